import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { ServersRepository } from '../servers/servers.repository.ts';
import type { ServersService } from '../servers/servers.service.ts';

export type BootServiceOptions = {
  /** Base URL machines use to reach this listener (what goes into iPXE scripts and kernel command lines). */
  bootUrl: string;
  /** The same listener as the lab's QEMU guests reach it (in QEMU's user network the host is 10.0.2.2). */
  labBootUrl: string;
  /** Where OS artifacts live: <dir>/<os slug>/<file>. */
  artifactsDir: string;
  logger: boolean | object;
  servers: ServersService;
  serversRepository: ServersRepository;
  catalog: CatalogService;
  db: import('../db/database.ts').Db;
};

// iPXE's own variable syntax, not a template placeholder.
const IPXE_MAC = '$' + '{net0/mac}';
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const BOOTING_STATES = new Set(['provisioning', 'reinstalling', 'rebooting', 'powering_on']);

/**
 * The provisioning network's service, on its own listener: iPXE scripts chosen by each machine's
 * current intent, OS artifacts (with HTTP range support), and cloud-init/EC2-style metadata scoped by
 * a per-provision secret token. No session or API token here: machines authenticate with the token
 * in the path, and the MAC only selects which script to serve (it holds no secret of its own).
 */
export async function createBootServer(options: BootServiceOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger, bodyLimit: 64 * 1024 });
  // BusyBox wget posts heartbeats as a form; a tiny parser spares a dependency.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.get('/boot/ipxe', { config: { policy: 'public' } }, async (request, reply) => {
    reply.type('text/plain');
    const mac = String((request.query as { mac?: string }).mac ?? '').toLowerCase();
    if (!MAC.test(mac)) return script([`echo Surplus: the iPXE request carried no MAC address (use /boot/ipxe?mac=${IPXE_MAC})`, 'exit']);
    const machine = await options.serversRepository.findMachineByMac(options.db, mac.replaceAll('-', ':'));
    if (!machine) return script([`echo Surplus does not know ${mac}: an operator must enroll this machine first.`, 'exit']);
    const base = (machine.is_lab ? options.labBootUrl : options.bootUrl).replace(/\/+$/, '');
    const server = machine.server_id ? await options.serversRepository.find(options.db, machine.server_id) : undefined;
    if (!server) return script([`echo Surplus: ${machine.hostname} has no work (${machine.state}); booting from disk.`, 'exit']);
    const os = await options.catalog.operatingSystem(server.os_slug);
    const artifacts = (os?.artifacts ?? {}) as {
      kind?: string;
      kernel?: string;
      initrd?: string;
      cmdline?: string;
      kernel_url?: string;
      initrd_url?: string;
    };
    const token = options.servers.tokenFor(server);
    const metadata = `surplus.metadata=${base}/metadata/${token}`;
    const isWipe = machine.state === 'wiping' || server.state === 'deprovisioning';
    const isLive = artifacts.kind === 'live';
    const isBooting = BOOTING_STATES.has(server.state);
    if (!isWipe && !isBooting && !isLive && !server.always_pxe) {
      return script([`echo Surplus: ${server.hostname} is installed; booting from disk.`, 'exit']);
    }
    // A reinstall without preserve_data: the live image erases the disks before the new OS starts.
    const isReinstallWipe = server.state === 'reinstalling' && server.is_wipe_requested && !isWipe;
    if (isBooting)
      await options.servers.bootProgress(
        server.id,
        40,
        'netboot',
        `iPXE asked for its script (${mac})${isReinstallWipe ? '; surplus.wipe=1: the disks are erased first' : ''}`,
      );
    if (!isWipe && server.os_slug === 'custom_ipxe') {
      return script([`chain ${server.ipxe_script_url ?? `${base}/boot/custom/${token}`}`]);
    }
    // Wiping uses the lab's live image whatever the server ran: it erases the disks and phones home.
    const artifactOs = isWipe ? 'lab_live' : server.os_slug;
    const wipeArtifacts = isWipe ? { kernel: 'vmlinuz', initrd: 'initrd.gz', cmdline: 'console=ttyS0 quiet' } : artifacts;
    const kernel = wipeArtifacts.kernel
      ? `${base}/boot/artifacts/${artifactOs}/${wipeArtifacts.kernel}?server=${server.id}`
      : artifacts.kernel_url;
    const initrd = wipeArtifacts.initrd ? `${base}/boot/artifacts/${artifactOs}/${wipeArtifacts.initrd}` : artifacts.initrd_url;
    if (!kernel || !initrd)
      return script([`echo Surplus: no boot artifacts are configured for ${server.os_slug} on this Surplus.`, 'exit']);
    const task = isWipe ? ' surplus.task=wipe' : isReinstallWipe ? ' surplus.wipe=1' : '';
    return script([
      `kernel ${kernel} ${wipeArtifacts.cmdline ?? ''} ${metadata}${task}`.replace(/\s+/g, ' ').trim(),
      `initrd ${initrd}`,
      'boot',
    ]);
  });

  app.get('/boot/custom/:token', { config: { policy: 'public' } }, async (request, reply) => {
    const server = await options.servers.serverForToken((request.params as { token: string }).token);
    if (!server?.ipxe_script) return reply.status(404).type('text/plain').send('not found\n');
    return reply.type('text/plain').send(server.ipxe_script);
  });

  if (existsSync(options.artifactsDir)) {
    await app.register(fastifyStatic, { root: options.artifactsDir, serve: false, acceptRanges: true });
  }
  app.get('/boot/artifacts/:os/:file', { config: { policy: 'public' } }, async (request, reply) => {
    const { os, file } = request.params as { os: string; file: string };
    if (!/^[a-z0-9_.-]+$/.test(os) || !/^[A-Za-z0-9_.-]+$/.test(file) || !existsSync(join(options.artifactsDir, os, file))) {
      return reply.status(404).type('text/plain').send('no such artifact\n');
    }
    const serverId = (request.query as { server?: string }).server;
    if (serverId && /^[0-9a-f-]{36}$/.test(serverId)) await options.servers.bootProgress(serverId, 60, 'kernel', `fetching ${os}/${file}`);
    return reply.sendFile(join(os, file));
  });

  const withServer = async (token: string) => {
    const server = await options.servers.serverForToken(token);
    return server ?? null;
  };
  const metadataFields = async (token: string) => {
    const server = await withServer(token);
    if (!server) return null;
    return {
      'instance-id': server.id,
      hostname: server.hostname,
      'public-keys': `${server.ssh_public_keys.join('\n')}\n`,
      'user-data': server.userdata,
      'vendor-data': `#cloud-config\n# Surplus: project ${server.project_slug}, plan ${server.plan_slug}, metro ${server.metro_code}\n`,
      server,
    };
  };

  app.get('/metadata/:token/meta-data.json', { config: { policy: 'public' } }, async (request, reply) => {
    const fields = await metadataFields((request.params as { token: string }).token);
    if (!fields) return reply.status(404).send({ error: 'unknown token' });
    await options.servers.bootProgress(fields.server.id, 80, 'metadata', 'the OS read its metadata');
    return {
      instance_id: fields['instance-id'],
      hostname: fields.hostname,
      public_keys: fields.server.ssh_public_keys,
      plan: fields.server.plan_slug,
      metro: fields.server.metro_code,
      operating_system: fields.server.os_slug,
      project_id: fields.server.project_id,
    };
  });

  // EC2 / cloud-init style paths, plain and under latest/meta-data.
  for (const prefix of ['/metadata/:token/', '/metadata/:token/latest/meta-data/']) {
    for (const field of ['instance-id', 'hostname', 'public-keys', 'user-data', 'vendor-data'] as const) {
      if (prefix.includes('latest') && (field === 'user-data' || field === 'vendor-data')) continue;
      app.get(`${prefix}${field}`, { config: { policy: 'public' } }, async (request, reply) => {
        const fields = await metadataFields((request.params as { token: string }).token);
        if (!fields) return reply.status(404).type('text/plain').send('unknown token\n');
        if (field === 'public-keys') await options.servers.bootProgress(fields.server.id, 80, 'metadata', 'the OS read its SSH keys');
        return reply.type('text/plain').send(fields[field]);
      });
    }
  }
  app.get('/metadata/:token/latest/user-data', { config: { policy: 'public' } }, async (request, reply) => {
    const fields = await metadataFields((request.params as { token: string }).token);
    if (!fields) return reply.status(404).type('text/plain').send('unknown token\n');
    return reply.type('text/plain').send(fields['user-data']);
  });

  app.post('/metadata/:token/phone-home', { config: { policy: 'public' } }, async (request, reply) => {
    const outcome = await options.servers.phoneHome((request.params as { token: string }).token, request.ip);
    if (outcome === 'ignored') return reply.status(404).send({ outcome });
    return { outcome };
  });

  app.post('/metadata/:token/heartbeat', { config: { policy: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const digits = (value: string | undefined) => (value && /^\d{1,20}$/.test(value) ? value : null);
    const isKnown = await options.servers.heartbeat((request.params as { token: string }).token, {
      rxBytes: digits(body.rx_bytes),
      txBytes: digits(body.tx_bytes),
      sshSessions: Math.max(0, Number.parseInt(body.ssh_sessions ?? '0', 10) || 0),
    });
    return isKnown ? { ok: true } : reply.status(404).send({ error: 'unknown token' });
  });

  return app;
}

function script(lines: string[]) {
  return `#!ipxe\n${lines.join('\n')}\n`;
}

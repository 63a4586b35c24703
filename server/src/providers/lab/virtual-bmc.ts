/**
 * The lab's virtual BMC: one Redfish service with many Systems (`/redfish/v1/Systems/<machine id>`),
 * each a VirtualMachine (QEMU behind QMP). It listens on its own loopback port, apart from the API:
 * a BMC is a separate endpoint with its own accounts, and Surplus reaches it exactly as it reaches a
 * physical BMC — through the Redfish provider. Sessions (`X-Auth-Token`) and basic auth; PATCH needs
 * `If-Match` with the ETag from a GET, as on iDRAC, so that code path runs in lab provisions (the
 * provider learns it from the first 428 and then sends the ETag of its own GET with every PATCH).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  type BootOverride,
  LAB_BOOT_ENABLED,
  LAB_BOOT_TARGETS,
  LAB_RESET_TYPES,
  LabMachineError,
  type LabResetType,
  type VirtualMachine,
} from './virtual-machine.ts';

export type VirtualBmcOptions = {
  machines: VirtualMachine[];
  username: string;
  password: string;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Idle seconds before a session expires. */
  sessionTimeoutSeconds?: number;
};

type Session = { id: string; token: string; username: string; lastUsedAt: number };

const MANAGER = '/redfish/v1/Managers/lab-bmc';
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const REGISTRY = 'Base.1.8';

export function systemPath(machineId: string): string {
  return `/redfish/v1/Systems/${machineId}`;
}

/** A Redfish error body; the MessageIds are the Base registry's, which clients classify by. */
function redfishError(messageId: string, message: string) {
  return {
    error: {
      code: `${REGISTRY}.${messageId}`,
      message,
      '@Message.ExtendedInfo': [
        { '@odata.type': '#Message.v1_1_1.Message', MessageId: `${REGISTRY}.${messageId}`, Message: message, Severity: 'Warning' },
      ],
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export class VirtualBmc {
  private readonly options: VirtualBmcOptions;
  private readonly machines = new Map<string, VirtualMachine>();
  private readonly sessions = new Map<string, Session>();
  private readonly app: FastifyInstance;
  private readonly uuid = randomUUID();
  url = '';

  constructor(options: VirtualBmcOptions) {
    this.options = options;
    for (const machine of options.machines) this.machines.set(machine.info.id, machine);
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { ignoreTrailingSlash: true } });
    this.routes();
  }

  async listen(): Promise<string> {
    await this.app.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0 });
    const { address, port } = this.app.server.address() as AddressInfo;
    this.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private routes() {
    const app = this.app;
    // Redfish clients send JSON; some send an empty body with a JSON content type (DELETE, actions).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      const text = String(body).trim();
      if (!text) return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch {
        done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
      }
    });
    app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      if (error instanceof LabMachineError)
        return reply.code(error.status).send(redfishError(error.status === 404 ? 'ResourceMissingAtURI' : 'GeneralError', error.message));
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      return reply.code(status).send(redfishError(status === 400 ? 'MalformedJSON' : 'InternalError', error.message));
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send(redfishError('ResourceMissingAtURI', `no resource at ${request.url.split('?')[0]}`)),
    );
    app.addHook('onRequest', async (request, reply) => {
      reply.header('odata-version', '4.0');
      const path = request.url.split('?')[0]?.replace(/\/+$/, '') ?? '';
      const isPublic =
        (request.method === 'GET' && (path === '/redfish' || path === '/redfish/v1')) || (request.method === 'POST' && path === SESSIONS);
      if (isPublic || this.isAuthorized(request)) return;
      reply.header('www-authenticate', 'Basic realm="Surplus lab BMC"');
      return reply.code(401).send(redfishError('NoValidSession', 'log in: a session token (X-Auth-Token) or basic auth is required'));
    });

    app.get('/redfish', async () => ({ v1: '/redfish/v1/' }));
    app.get('/redfish/v1', async () => ({
      '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
      '@odata.id': '/redfish/v1/',
      Id: 'RootService',
      Name: 'Surplus lab virtual BMC',
      RedfishVersion: '1.6.0',
      UUID: this.uuid,
      Vendor: 'Surplus',
      Product: 'Surplus lab virtual BMC (QEMU)',
      Systems: { '@odata.id': '/redfish/v1/Systems' },
      Managers: { '@odata.id': '/redfish/v1/Managers' },
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
      Links: { Sessions: { '@odata.id': SESSIONS } },
    }));

    app.get('/redfish/v1/SessionService', async () => ({
      '@odata.type': '#SessionService.v1_1_8.SessionService',
      '@odata.id': '/redfish/v1/SessionService',
      Id: 'SessionService',
      Name: 'Session Service',
      ServiceEnabled: true,
      SessionTimeout: this.options.sessionTimeoutSeconds ?? 1800,
      Sessions: { '@odata.id': SESSIONS },
    }));
    app.get(SESSIONS, async () =>
      collection(
        '#SessionCollection.SessionCollection',
        SESSIONS,
        'Sessions',
        [...this.sessions.values()].map((s) => `${SESSIONS}/${s.id}`),
      ),
    );
    app.post(SESSIONS, async (request, reply) => {
      const { UserName, Password } = (request.body ?? {}) as { UserName?: unknown; Password?: unknown };
      if (typeof UserName !== 'string' || typeof Password !== 'string')
        return reply.code(400).send(redfishError('PropertyMissing', 'UserName and Password are required'));
      if (!this.isValid(UserName, Password)) return reply.code(401).send(redfishError('NoValidSession', 'invalid user name or password'));
      const session: Session = {
        id: randomBytes(8).toString('hex'),
        token: randomBytes(24).toString('base64url'),
        username: UserName,
        lastUsedAt: Date.now(),
      };
      this.sessions.set(session.token, session);
      const location = `${SESSIONS}/${session.id}`;
      return reply.code(201).header('x-auth-token', session.token).header('location', location).send(this.sessionBody(session));
    });
    app.get<{ Params: { id: string } }>(`${SESSIONS}/:id`, async (request, reply) => {
      const session = [...this.sessions.values()].find((s) => s.id === request.params.id);
      if (!session) return reply.code(404).send(redfishError('ResourceMissingAtURI', `no session ${request.params.id}`));
      return this.sessionBody(session);
    });
    app.delete<{ Params: { id: string } }>(`${SESSIONS}/:id`, async (request, reply) => {
      const session = [...this.sessions.values()].find((s) => s.id === request.params.id);
      if (!session) return reply.code(404).send(redfishError('ResourceMissingAtURI', `no session ${request.params.id}`));
      this.sessions.delete(session.token);
      return reply.code(204).send();
    });

    app.get('/redfish/v1/Systems', async () =>
      collection(
        '#ComputerSystemCollection.ComputerSystemCollection',
        '/redfish/v1/Systems',
        'Computer System Collection',
        [...this.machines.keys()].map(systemPath),
      ),
    );
    app.get<{ Params: { id: string } }>('/redfish/v1/Systems/:id', async (request, reply) => {
      const machine = this.machine(request.params.id);
      reply.header('etag', this.etag(machine));
      return this.systemBody(machine);
    });
    app.patch<{ Params: { id: string } }>('/redfish/v1/Systems/:id', async (request, reply) => this.patchSystem(request, reply));
    app.post<{ Params: { id: string } }>('/redfish/v1/Systems/:id/Actions/ComputerSystem.Reset', async (request, reply) => {
      const machine = this.machine(request.params.id);
      const resetType = (request.body as { ResetType?: unknown } | null)?.ResetType;
      if (resetType === undefined) return reply.code(400).send(redfishError('ActionParameterMissing', 'ResetType is required'));
      if (!LAB_RESET_TYPES.includes(resetType as LabResetType))
        return reply
          .code(400)
          .send(
            redfishError(
              'ActionParameterValueNotInList',
              `ResetType ${JSON.stringify(resetType)} is not one of ${LAB_RESET_TYPES.join(', ')}`,
            ),
          );
      await machine.reset(resetType as LabResetType);
      return reply.code(204).send();
    });
    app.get<{ Params: { id: string } }>('/redfish/v1/Systems/:id/EthernetInterfaces', async (request) => {
      const path = `${systemPath(this.machine(request.params.id).info.id)}/EthernetInterfaces`;
      return collection('#EthernetInterfaceCollection.EthernetInterfaceCollection', path, 'Ethernet Interfaces', [`${path}/nic0`]);
    });
    app.get<{ Params: { id: string } }>('/redfish/v1/Systems/:id/EthernetInterfaces/nic0', async (request) => {
      const machine = this.machine(request.params.id);
      return {
        '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface',
        '@odata.id': `${systemPath(machine.info.id)}/EthernetInterfaces/nic0`,
        Id: 'nic0',
        Name: 'virtio-net (QEMU user-mode network)',
        EthernetInterfaceType: 'Physical',
        MACAddress: machine.info.mac,
        PermanentMACAddress: machine.info.mac,
        Status: { State: 'Enabled', Health: 'OK' },
      };
    });

    app.get('/redfish/v1/Managers', async () =>
      collection('#ManagerCollection.ManagerCollection', '/redfish/v1/Managers', 'Manager Collection', [MANAGER]),
    );
    app.get(MANAGER, async () => ({
      '@odata.type': '#Manager.v1_10_0.Manager',
      '@odata.id': MANAGER,
      Id: 'lab-bmc',
      Name: 'Surplus lab virtual BMC',
      ManagerType: 'BMC',
      Status: { State: 'Enabled', Health: 'OK' },
      Links: { ManagerForServers: [...this.machines.keys()].map((id) => ({ '@odata.id': systemPath(id) })) },
    }));
  }

  private async patchSystem(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const machine = this.machine(request.params.id);
    const ifMatch = request.headers['if-match'];
    if (!ifMatch) return reply.code(428).send(redfishError('PreconditionRequired', 'PATCH needs If-Match with the ETag of a GET'));
    if (ifMatch !== '*' && ifMatch !== this.etag(machine))
      return reply.code(412).send(redfishError('PreconditionFailed', 'the ETag does not match: GET the system again'));
    const body = (request.body ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(body))
      if (key !== 'Boot') return reply.code(400).send(redfishError('PropertyNotWritable', `${key} cannot be changed on a lab machine`));
    const boot = (body.Boot ?? {}) as Record<string, unknown>;
    const next: BootOverride = { ...machine.bootOverride() };
    for (const [key, value] of Object.entries(boot)) {
      if (key === 'BootSourceOverrideTarget') {
        if (!LAB_BOOT_TARGETS.includes(value as BootOverride['target']))
          return reply
            .code(400)
            .send(
              redfishError(
                'PropertyValueNotInList',
                `BootSourceOverrideTarget ${JSON.stringify(value)} is not one of ${LAB_BOOT_TARGETS.join(', ')}`,
              ),
            );
        next.target = value as BootOverride['target'];
        if (boot.BootSourceOverrideEnabled === undefined && next.enabled === 'Disabled' && next.target !== 'None') next.enabled = 'Once';
      } else if (key === 'BootSourceOverrideEnabled') {
        if (!LAB_BOOT_ENABLED.includes(value as BootOverride['enabled']))
          return reply
            .code(400)
            .send(
              redfishError(
                'PropertyValueNotInList',
                `BootSourceOverrideEnabled ${JSON.stringify(value)} is not one of ${LAB_BOOT_ENABLED.join(', ')}`,
              ),
            );
        next.enabled = value as BootOverride['enabled'];
      } else if (key === 'BootSourceOverrideMode') {
        if (value !== 'Legacy')
          return reply
            .code(400)
            .send(redfishError('PropertyValueNotInList', 'lab machines boot with SeaBIOS: BootSourceOverrideMode is Legacy only'));
      } else return reply.code(400).send(redfishError('PropertyNotWritable', `Boot.${key} cannot be changed on a lab machine`));
    }
    if (next.target === 'None') next.enabled = 'Disabled';
    await machine.setBootOverride(next);
    reply.header('etag', this.etag(machine));
    return reply.code(204).send();
  }

  private machine(id: string): VirtualMachine {
    const machine = this.machines.get(id);
    if (!machine) throw new LabMachineError(404, `no system ${id}`);
    return machine;
  }

  /** Versions what PATCH can change (the boot override): power changing underneath must not fail a PATCH. */
  private etag(machine: VirtualMachine): string {
    return `"${digest(JSON.stringify(machine.bootOverride())).toString('hex').slice(0, 16)}"`;
  }

  private async systemBody(machine: VirtualMachine) {
    const { id, uuid, cpus, memoryMiB } = machine.info;
    const path = systemPath(id);
    const override = machine.bootOverride();
    return {
      '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
      '@odata.id': path,
      '@odata.etag': this.etag(machine),
      Id: id,
      Name: id,
      SystemType: 'Virtual',
      Manufacturer: 'QEMU',
      Model: 'Surplus lab machine (QEMU x86_64)',
      SerialNumber: id,
      UUID: uuid,
      PowerState: await machine.powerState(),
      Status: { State: 'Enabled', Health: 'OK' },
      Boot: {
        BootSourceOverrideEnabled: override.enabled,
        BootSourceOverrideTarget: override.target,
        'BootSourceOverrideTarget@Redfish.AllowableValues': LAB_BOOT_TARGETS,
        BootSourceOverrideMode: 'Legacy',
      },
      ProcessorSummary: { Count: 1, CoreCount: cpus, LogicalProcessorCount: cpus, Model: 'QEMU Virtual CPU' },
      MemorySummary: { TotalSystemMemoryGiB: memoryMiB / 1024 },
      EthernetInterfaces: { '@odata.id': `${path}/EthernetInterfaces` },
      Links: { ManagedBy: [{ '@odata.id': MANAGER }] },
      Actions: {
        '#ComputerSystem.Reset': { target: `${path}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': LAB_RESET_TYPES },
      },
    };
  }

  private sessionBody(session: Session) {
    return {
      '@odata.type': '#Session.v1_3_0.Session',
      '@odata.id': `${SESSIONS}/${session.id}`,
      Id: session.id,
      Name: 'User Session',
      UserName: session.username,
    };
  }

  private isAuthorized(request: FastifyRequest): boolean {
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string') {
      const session = this.sessions.get(token);
      const timeoutMs = (this.options.sessionTimeoutSeconds ?? 1800) * 1000;
      if (session && Date.now() - session.lastUsedAt <= timeoutMs) {
        session.lastUsedAt = Date.now();
        return true;
      }
      if (session) this.sessions.delete(token);
    }
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!basic) return false;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && this.isValid(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private isValid(username: string, password: string): boolean {
    // Compare digests in constant time: the length of the password leaks nothing either.
    const isUser = timingSafeEqual(digest(username), digest(this.options.username));
    const isPassword = timingSafeEqual(digest(password), digest(this.options.password));
    return isUser && isPassword;
  }
}

function collection(type: string, path: string, name: string, members: string[]) {
  return {
    '@odata.type': type,
    '@odata.id': path,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map((member) => ({ '@odata.id': member })),
  };
}

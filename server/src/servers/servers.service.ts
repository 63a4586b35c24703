import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.ts';
import { type CatalogService, hasBootArtifacts } from '../catalog/catalog.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { ServerState } from '../db/schema.ts';
import { type Actor, type Ctx, isStaff, type SignedIn, SYSTEM_CTX } from '../http/context.ts';
import { AppError, fail, invalid, notFound, withArticle } from '../http/errors.ts';
import { decodeKeyset, encodeCursor } from '../http/pagination.ts';
import type { KeysRepository } from '../keys/keys.repository.ts';
import { parseSshKey } from '../keys/ssh-key.ts';
import { grantMonthSpendIfNearCredit } from '../metering/metering.service.ts';
import { isCreditExhausted } from '../metering/usage.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import { ProviderError } from '../providers/types.ts';
import type { MachineControl, MachineRow } from './machine-control.ts';
import type { ProvisionTokens } from './provision-token.ts';
import type { ServerRow, ServersRepository } from './servers.repository.ts';
import type { Server, ServerActionBody, ServerCreateBody, ServerDetail, ServerListQuery } from './servers.schemas.ts';

export type ProvisioningSettings = {
  /** Base URL of the boot service as machines on the provisioning network reach it. */
  bootUrl: string;
  /** How long a netboot may take before the server fails and its machine goes to maintenance. */
  bootTimeoutSeconds: number;
  /** Per BMC call. */
  stepTimeoutMs: number;
  /** How long a manual step may wait for an operator's confirmation (OperatorTasksService.expireOverdue). */
  operatorTimeoutSeconds: number;
  /** Host shown in SSH access details for lab machines (their ports are forwarded on it). */
  labSshHost: string;
};

type GrantRow = { id: string; monthly_credit_cents: string; max_servers: number; allowed_plans: string[]; allowed_metros: string[] };

const WAITING_STATES: ServerState[] = ['provisioning', 'reinstalling', 'rebooting', 'powering_on'];
/** The states a provision's own steps run in (after the allocation): a server that left them (failed, deleted) gets no more steps. */
const INSTALLING_STATES: ServerState[] = ['provisioning', 'reinstalling'];

/** How a workflow step ended: done, failed (server failed, machine parked), or filed for an operator. */
type StepOutcome = 'done' | 'failed' | 'waiting_operator';

/**
 * Servers and their workflows. Every step is a graphile-worker job that first re-reads the current
 * state and does nothing when the step is already done, so a re-run after a crash is harmless.
 */
export class ServersService {
  private readonly db: Db;
  private readonly servers: ServersRepository;
  private readonly projects: ProjectsRepository;
  private readonly keys: KeysRepository;
  private readonly catalog: CatalogService;
  private readonly audit: AuditService;
  private readonly control: MachineControl;
  private readonly tokens: ProvisionTokens;
  /** Where the timeline's progress steps are written: commits that need not wait for the disk (decision 0014). */
  private readonly bookkeeping: Db;
  private readonly settings: ProvisioningSettings;
  /** Per caller and project, the last create of this process in line (see create). */
  private readonly createsInLine = new Map<string, Promise<unknown>>();

  constructor(
    db: Db,
    deps: {
      servers: ServersRepository;
      projects: ProjectsRepository;
      keys: KeysRepository;
      catalog: CatalogService;
      audit: AuditService;
      control: MachineControl;
      tokens: ProvisionTokens;
      bookkeeping?: Db;
    },
    settings: ProvisioningSettings,
  ) {
    this.db = db;
    this.servers = deps.servers;
    this.projects = deps.projects;
    this.keys = deps.keys;
    this.catalog = deps.catalog;
    this.audit = deps.audit;
    this.control = deps.control;
    this.tokens = deps.tokens;
    this.bookkeeping = deps.bookkeeping ?? db;
    this.settings = settings;
  }

  // ── API ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates of one caller in one project take turns in this process, from their first query: each
   * waits for the project's lock anyway, and a burst of them (a CI system asking for 200 servers at
   * once) would otherwise take every pooled connection, so that the provisions they enqueue, and
   * everyone else's requests, waited for one.
   */
  create(ctx: SignedIn, body: ServerCreateBody): Promise<ServerDetail> {
    // The turn is taken before the project is known to be the caller's, so each caller has a line
    // of their own: nobody can hold up a project's creates by sending refused ones.
    return this.oneCreateAtATime(`${ctx.actor.userId}\n${body.project}`, () => this.createInTurn(ctx, body));
  }

  private async createInTurn(ctx: SignedIn, body: ServerCreateBody): Promise<ServerDetail> {
    const access = await this.projects.findWithRole(this.db, body.project, ctx.actor.userId);
    if (!access || (access.role === null && !isStaff(ctx.actor))) notFound('Project');
    if (access.role === null && !ctx.actor.roles.includes('admin')) fail('ERR_FORBIDDEN', 'Only project members create servers.');
    const catalog = await this.catalog.snapshot();
    const plan = catalog.plans.get(body.plan);
    if (!plan) invalid('plan', `unknown plan "${body.plan}"`);
    if (!catalog.metros.has(body.metro)) invalid('metro', `unknown metro "${body.metro}"`);
    const os = catalog.operatingSystems.get(body.operating_system);
    if (!os) invalid('operating_system', `unknown operating system "${body.operating_system}"`);
    if (!os.architectures.includes(plan.architecture))
      invalid('operating_system', `${os.name} is not offered for ${plan.architecture} (plan ${plan.slug})`);
    if (os.status === 'end_of_life') invalid('operating_system', `${os.name} reached end of life on ${os.end_of_life_on}`);
    if (!hasBootArtifacts(os, plan.architecture))
      invalid(
        'operating_system',
        `${os.name} has no boot artifacts for ${plan.architecture} on this Surplus; ask an admin, or use custom_ipxe`,
      );
    if (os.slug === 'custom_ipxe' && !body.ipxe_script_url && !body.ipxe_script)
      invalid('ipxe_script_url', 'or ipxe_script is required for custom_ipxe');
    const keys = body.ssh_keys
      ? body.ssh_keys.map((key, index) => {
          const parsed = parseSshKey(key);
          if ('error' in parsed) invalid(`ssh_keys[${index}]`, parsed.error);
          return parsed.normalized;
        })
      : (await this.keys.listForProject(this.db, access.project.id)).map((key) => key.public_key);
    const hostname = body.hostname ?? `${access.project.slug.slice(0, 40)}-${randomBytes(3).toString('hex')}`.replace(/^-+/, '');

    const created = await this.db.transaction().execute(async (tx) => {
      // Serialize creates per project so the concurrency and credit checks see each other.
      await this.projects.lockById(tx, access.project.id);
      const grant = await this.enforceGrant(tx, access.project.id, plan.slug, body.metro, plan.price_cents_per_hour);
      if ((await this.servers.countAvailableMachines(tx, plan.slug, body.metro)) === 0) {
        fail(
          'ERR_NO_CAPACITY',
          `No ${plan.slug} machine is available in ${body.metro} right now; try another metro or plan, or ask an operator.`,
        );
      }
      const created = await this.servers.insert(tx, {
        project_id: access.project.id,
        grant_id: grant?.id ?? null,
        created_by: ctx.actor.userId,
        hostname,
        plan_slug: plan.slug,
        metro_code: body.metro,
        os_slug: os.slug,
        ssh_public_keys: keys,
        userdata: body.userdata,
        ipxe_script_url: body.ipxe_script_url ?? null,
        ipxe_script: body.ipxe_script ?? null,
        always_pxe: body.always_pxe,
        termination_time: body.termination_time ? new Date(body.termination_time) : null,
      });
      await this.servers.insertEvent(tx, {
        serverId: created.id,
        from: null,
        to: 'queued',
        step: 'queued',
        percent: 0,
        note: null,
        actor: ctx.actor.email,
      });
      await this.audit.record(tx, ctx, {
        action: 'server.created',
        targetType: 'server',
        targetId: created.id,
        projectId: access.project.id,
        summary: { hostname, plan: plan.slug, metro: body.metro, operating_system: os.slug, ssh_keys: keys.length },
      });
      await enqueue(tx, 'server_provision', { server_id: created.id, generation: 0 }, created.id);
      return created;
    });
    // The server as created (queued, no machine yet), from what the transaction wrote: its queued
    // event has the transaction's time, as created_at has. The provision may have moved on already;
    // GET shows that.
    const row: ServerRow = {
      ...created,
      project_slug: access.project.slug,
      project_name: access.project.name,
      machine_hostname: null,
      lab_ssh_port: null,
      is_lab: null,
    };
    return {
      ...this.toServer(row, isStaff(ctx.actor)),
      timeline: [
        {
          from_state: null,
          to_state: 'queued',
          step: 'queued',
          progress_percent: 0,
          note: null,
          actor: ctx.actor.email,
          occurred_at: created.created_at.toISOString(),
        },
      ],
    };
  }

  async list(actor: Actor, query: ServerListQuery): Promise<{ items: Server[]; next_cursor: string | null }> {
    const after = decodeKeyset(query.cursor);
    let projectIds: string[] | 'all';
    if (query.project) {
      const access = await this.projects.findWithRole(this.db, query.project, actor.userId);
      if (!access || (access.role === null && !isStaff(actor))) notFound('Project');
      projectIds = [access.project.id];
    } else if (isStaff(actor)) {
      projectIds = 'all';
    } else {
      projectIds = (await this.db.selectFrom('project_members').select('project_id').where('user_id', '=', actor.userId).execute()).map(
        (row) => row.project_id,
      );
    }
    const rows = await this.servers.list(this.db, {
      projectIds,
      state: query.state,
      isDeletedIncluded: query.include_deleted === 'true',
      after,
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => this.toServer(row, isStaff(actor))),
      next_cursor: rows.length > query.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    };
  }

  async get(actor: Actor, id: string): Promise<ServerDetail> {
    const row = await this.visible(actor, id);
    const events = await this.servers.events(this.db, id);
    return {
      ...this.toServer(row, isStaff(actor)),
      timeline: events.map((event) => ({
        from_state: event.from_state,
        to_state: event.to_state,
        step: event.step,
        progress_percent: event.progress_percent,
        note: event.note,
        actor: event.actor_label,
        occurred_at: event.occurred_at.toISOString(),
      })),
    };
  }

  async action(ctx: SignedIn, id: string, body: ServerActionBody): Promise<ServerDetail> {
    await this.visible(ctx.actor, id);
    await this.db.transaction().execute(async (tx) => {
      const server = await this.servers.lock(tx, id);
      if (!server) notFound('Server');
      const expect = (states: ServerState[]) => {
        if (!states.includes(server.state))
          fail('ERR_CONFLICT', `${withArticle(server.state, true)} server cannot ${body.type.replace('_', ' ')}.`);
      };
      if (body.type === 'power_off') {
        expect(['active']);
        await this.move(tx, ctx, server.id, server.state, 'powering_off', 'power off requested', 0);
        await enqueue(tx, 'server_power', { server_id: id, action: 'off' }, id);
      } else if (body.type === 'power_on') {
        expect(['inactive']);
        await this.move(tx, ctx, server.id, server.state, 'powering_on', 'power on requested', 0);
        await enqueue(tx, 'server_power', { server_id: id, action: 'on' }, id);
      } else if (body.type === 'reboot') {
        expect(['active']);
        await this.move(tx, ctx, server.id, server.state, 'rebooting', 'reboot requested', 0);
        await enqueue(tx, 'server_power', { server_id: id, action: 'reboot' }, id);
      } else {
        expect(['active', 'inactive', 'failed']);
        const osSlug = body.operating_system ?? server.os_slug;
        const catalog = await this.catalog.snapshot();
        const os = catalog.operatingSystems.get(osSlug);
        const plan = catalog.plans.get(server.plan_slug);
        if (!os) invalid('operating_system', `unknown operating system "${osSlug}"`);
        if (plan && !os.architectures.includes(plan.architecture))
          invalid('operating_system', `${os.name} is not offered for ${plan.architecture}`);
        if (plan && !hasBootArtifacts(os, plan.architecture))
          invalid(
            'operating_system',
            `${os.name} has no boot artifacts for ${plan.architecture} on this Surplus; ask an admin, or use custom_ipxe`,
          );
        if (!server.machine_id) {
          // A failed server gave its machine back (to maintenance): like Equinix Metal's reinstall of a
          // failed device, it gets a machine of its plan and metro from the pool again, as a new server
          // would, under the grant's limits. Its data went with the old machine.
          if (body.preserve_data)
            fail(
              'ERR_CONFLICT',
              'The failed server no longer has its machine, so its data cannot be kept: reinstall without preserve_data.',
            );
          if (plan) await this.enforceGrant(tx, server.project_id, plan.slug, server.metro_code, plan.price_cents_per_hour);
          if ((await this.servers.countAvailableMachines(tx, server.plan_slug, server.metro_code)) === 0)
            fail(
              'ERR_NO_CAPACITY',
              `No ${server.plan_slug} machine is available in ${server.metro_code} to reinstall on; try again later, or ask an operator.`,
            );
        }
        const generation = server.provision_generation + 1;
        const isWiped = !body.preserve_data && os.slug !== 'custom_ipxe';
        await this.servers.update(tx, id, {
          os_slug: osSlug,
          provision_generation: generation,
          provision_token_hash: null,
          is_wipe_requested: isWiped,
        });
        const how = body.preserve_data ? ', keeping data' : isWiped ? ', wiping the disks first' : '';
        await this.move(tx, ctx, server.id, server.state, 'reinstalling', `reinstall with ${osSlug}${how}`, 0);
        await enqueue(tx, 'server_provision', { server_id: id, generation, preserve_data: body.preserve_data }, id);
      }
      await this.audit.record(tx, ctx, {
        action: `server.${body.type}`,
        targetType: 'server',
        targetId: id,
        projectId: server.project_id,
        summary: { ...body },
      });
    });
    return this.get(ctx.actor, id);
  }

  /**
   * Powers a running server off as the system, for a program rule (metering's over-cap policy):
   * the same transition and job as a member's power off, with the rule as the reason.
   */
  async powerOffBySystem(id: string, reason: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const server = await this.servers.lock(tx, id);
      if (server?.state !== 'active') return false;
      await this.move(tx, SYSTEM_CTX, id, 'active', 'powering_off', reason, 0);
      await enqueue(tx, 'server_power', { server_id: id, action: 'off' }, id);
      return true;
    });
  }

  async delete(ctx: Ctx, id: string, actor: Actor | null): Promise<void> {
    if (actor) await this.visible(actor, id);
    await this.db.transaction().execute(async (tx) => {
      const server = await this.servers.lock(tx, id);
      if (!server) notFound('Server');
      if (server.state === 'deleted' || server.state === 'deprovisioning') return;
      await this.move(tx, ctx, id, server.state, 'deprovisioning', 'delete requested', 0);
      await this.audit.record(tx, ctx, {
        action: 'server.deleted',
        targetType: 'server',
        targetId: id,
        projectId: server.project_id,
        summary: { hostname: server.hostname },
      });
      await enqueue(tx, 'server_deprovision', { server_id: id }, id);
    });
  }

  // ── Workflow steps (graphile-worker jobs) ──────────────────────────────────────────────────────

  /** Allocate → one-time PXE boot → power cycle → wait for phone-home (watchdog). */
  async provision(serverId: string, generation: number, preserveData: boolean): Promise<string> {
    const token = this.tokens.token(serverId, generation);
    // One statement checks the server's generation and state, and allocates (or keeps) its machine.
    const allocation = await this.servers.allocateForProvision(this.db, serverId, generation, this.tokens.digest(token));
    if (!allocation || allocation.generation !== generation) return 'superseded';
    if (!['queued', 'provisioning', 'reinstalling'].includes(allocation.state)) return `nothing to do (${allocation.state})`;
    const machine = allocation.machine;
    if (!machine) {
      await this.db.transaction().execute(async (tx) => {
        const locked = await this.servers.lock(tx, serverId);
        if (!locked || locked.provision_generation !== generation || !['queued', 'provisioning', 'reinstalling'].includes(locked.state))
          return;
        const reason = `no ${locked.plan_slug} machine available in ${locked.metro_code}`;
        await this.move(tx, SYSTEM_CTX, serverId, locked.state, 'failed', reason, 0);
      });
      return 'no machine';
    }
    const prefix = `${serverId}:g${generation}`;
    const outcome = await this.runStep(serverId, machine, 'bmc', async (signal) => {
      // The one-time boot override is set again on every run (same effect each time): a run after a
      // crash may repeat a power cycle that already used up the previous override. A step an
      // operator was asked to do is the exception: its re-run goes on from the confirmation.
      // The power state is read meanwhile (neither depends on the other), and each timeline step is
      // written while its BMC action's outcome is: what waits on the BMC and the database at once
      // runs at once.
      const key = await this.freshKey(machine, `${prefix}:boot-pxe:`);
      const power = await both(
        this.control.bootOnce(machine, 'pxe', key, signal, () =>
          this.progressOnce(serverId, 20, 'boot_override', 'next boot from the network'),
        ),
        this.control.powerState(machine, signal),
      );
      await this.control.setPower(machine, power === 'on' ? 'reset' : 'on', `${prefix}:power-cycle`, signal, () =>
        this.progressOnce(serverId, 30, 'power_cycle', power === 'on' ? 'reset' : 'powered on'),
      );
    });
    if (outcome !== 'done') return outcome;
    await enqueue(
      this.db,
      'server_watchdog',
      { server_id: serverId, generation, preserve_data: preserveData },
      serverId,
      this.settings.bootTimeoutSeconds,
    );
    return 'waiting for phone-home';
  }

  async powerAction(serverId: string, action: 'on' | 'off' | 'reboot'): Promise<string> {
    const server = await this.servers.find(this.db, serverId);
    const expected = { on: 'powering_on', off: 'powering_off', reboot: 'rebooting' }[action];
    if (!server || server.state !== expected) return 'nothing to do';
    const machine = server.machine_id ? await this.servers.findMachine(this.db, server.machine_id) : undefined;
    if (!machine) return 'no machine';
    const os = await this.catalog.operatingSystem(server.os_slug);
    const isLive = os?.artifacts.kind === 'live' || server.always_pxe;
    const key = `${serverId}:${action}:${server.updated_at.getTime()}`;
    const outcome = await this.runStep(serverId, machine, action, async (signal) => {
      if (action === 'off') await this.control.setPower(machine, 'off', key, signal);
      else {
        // A live OS exists only in memory: it comes back by netbooting again and phoning home.
        if (isLive) await this.control.bootOnce(machine, 'pxe', `${key}:boot`, signal);
        await this.control.setPower(machine, action === 'on' ? 'on' : 'reset', key, signal);
      }
    });
    if (outcome !== 'done') return outcome;
    await this.db.transaction().execute(async (tx) => {
      if (action === 'off') await this.move(tx, SYSTEM_CTX, serverId, 'powering_off', 'inactive', 'powered off', 100);
      else if (!isLive)
        await this.move(tx, SYSTEM_CTX, serverId, expected as ServerState, 'active', action === 'on' ? 'powered on' : 'rebooted', 100);
    });
    if (action !== 'off' && isLive)
      await enqueue(
        this.db,
        'server_watchdog',
        { server_id: serverId, generation: server.provision_generation },
        serverId,
        this.settings.bootTimeoutSeconds,
      );
    return 'done';
  }

  /** Power off → wipe by netbooting the wipe task → machine back in the pool → server deleted. */
  async deprovision(serverId: string): Promise<string> {
    const server = await this.servers.find(this.db, serverId);
    if (server?.state !== 'deprovisioning') return 'nothing to do';
    const machine = await this.servers.machineOfServer(this.db, serverId);
    if (!machine) {
      await this.db.transaction().execute((tx) => this.finishDelete(tx, serverId, null, 'no machine'));
      return 'deleted';
    }
    const generation = server.provision_generation + 1;
    const token = this.tokens.token(serverId, generation);
    await this.db.transaction().execute(async (tx) => {
      await this.servers.update(tx, serverId, { provision_generation: generation, provision_token_hash: this.tokens.digest(token) });
      if (machine.state === 'allocated')
        await this.servers.setMachineState(tx, machine.id, 'wiping', `server ${server.hostname} deleted`, 'system');
      if (server.progress_percent < 20) await this.progress(tx, serverId, 20, 'wiping', `machine ${machine.hostname} is being wiped`);
    });
    const outcome = await this.runStep(serverId, machine, 'wipe', async (signal) => {
      const key = await this.freshKey(machine, `${serverId}:wipe:boot:`);
      const power = await both(this.control.bootOnce(machine, 'pxe', key, signal), this.control.powerState(machine, signal));
      await this.control.setPower(machine, power === 'on' ? 'reset' : 'on', `${serverId}:wipe:power`, signal);
    });
    if (outcome !== 'done') return outcome;
    await enqueue(this.db, 'server_watchdog', { server_id: serverId, generation, wipe: true }, serverId, this.settings.bootTimeoutSeconds);
    return 'wiping';
  }

  /** Fails what did not finish in time; the machine goes to maintenance with the reason. */
  async watchdog(serverId: string, generation: number, isWipe: boolean): Promise<string> {
    return this.db.transaction().execute(async (tx) => {
      const server = await this.servers.lock(tx, serverId);
      if (!server || server.provision_generation !== generation) return 'superseded';
      const machine = await this.servers.machineOfServer(tx, serverId);
      const reason = `no phone-home within ${this.settings.bootTimeoutSeconds} s`;
      if (isWipe) {
        if (server.state !== 'deprovisioning') return 'done';
        await this.finishDelete(tx, serverId, null, `wipe: ${reason}`);
        if (machine) await this.servers.setMachineState(tx, machine.id, 'maintenance', `wipe did not finish: ${reason}`, 'system', true);
        return 'wipe timed out';
      }
      if (!WAITING_STATES.includes(server.state)) return 'done';
      await this.move(tx, SYSTEM_CTX, serverId, server.state, 'failed', reason, server.progress_percent);
      if (machine)
        await this.servers.setMachineState(tx, machine.id, 'maintenance', `server ${server.hostname}: ${reason}`, 'system', true);
      await this.servers.update(tx, serverId, { machine_id: null });
      return 'timed out';
    });
  }

  async reapDue(): Promise<number> {
    const due = await this.servers.dueForDeletion(this.db);
    for (const server of due) {
      const reason = server.grant_state
        ? `the grant ${server.grant_state === 'revoked' ? 'was revoked' : 'ended'}`
        : 'termination time reached';
      await this.delete({ actor: null, requestId: `reap:${reason}` }, server.id, null);
    }
    return due.length;
  }

  async reclaimGrant(grantId: string): Promise<number> {
    const servers = await this.servers.serversOfGrant(this.db, grantId);
    for (const server of servers) await this.delete({ actor: null, requestId: `grant-ended:${grantId}` }, server.id, null);
    return servers.length;
  }

  /**
   * An operator confirmed a manual step on the server's machine: enqueue, in the caller's
   * transaction, the job of the server's current workflow again. It re-reads the state and goes on
   * from the confirmed step (done under its key); a server that moved on meanwhile is left alone.
   */
  async resumeAfterOperator(tx: Executor, serverId: string): Promise<string | null> {
    const server = await this.servers.lock(tx, serverId);
    if (!server) return null;
    if (['queued', 'provisioning', 'reinstalling'].includes(server.state)) {
      await enqueue(tx, 'server_provision', { server_id: serverId, generation: server.provision_generation }, serverId);
      return 'server_provision';
    }
    const power = { powering_on: 'on', powering_off: 'off', rebooting: 'reboot' } as Partial<Record<ServerState, string>>;
    const action = power[server.state];
    if (action) {
      await enqueue(tx, 'server_power', { server_id: serverId, action }, serverId);
      return 'server_power';
    }
    if (server.state === 'deprovisioning') {
      await enqueue(tx, 'server_deprovision', { server_id: serverId }, serverId);
      return 'server_deprovision';
    }
    return null;
  }

  // ── Machine callbacks (boot and metadata service) ──────────────────────────────────────────────

  async serverForToken(token: string) {
    return this.servers.findByTokenHash(this.db, this.tokens.digest(token));
  }

  tokenFor(server: { id: string; provision_generation: number }) {
    return this.tokens.token(server.id, server.provision_generation);
  }

  async bootProgress(serverId: string, percent: number, step: string, note: string | null) {
    await this.servers.recordProgress(this.bookkeeping, serverId, { percent, step, note, whileIn: WAITING_STATES, isForward: true });
  }

  async phoneHome(token: string, address: string | null): Promise<'active' | 'wiped' | 'ignored'> {
    return this.db.transaction().execute(async (tx) => {
      // Found and locked by the token in one statement (no lookup before the transaction).
      const server = await this.servers.lockByTokenHash(tx, this.tokens.digest(token));
      if (!server) return 'ignored';
      const now = new Date();
      if (server.state === 'deprovisioning') {
        const machine = await this.servers.machineOfServer(tx, server.id);
        await this.finishDelete(tx, server.id, machine ?? null, 'wiped');
        return 'wiped';
      }
      if (!WAITING_STATES.includes(server.state)) {
        await this.servers.update(tx, server.id, { last_heartbeat_at: now });
        return 'ignored';
      }
      await this.servers.update(tx, server.id, {
        last_heartbeat_at: now,
        ...(server.activated_at ? {} : { activated_at: now }),
        ...(address ? { ip_addresses: JSON.stringify([{ address, public: false }]) } : {}),
      });
      await this.move(tx, SYSTEM_CTX, server.id, server.state, 'active', 'phoned home', 100, 'phone_home');
      return 'active';
    });
  }

  async heartbeat(token: string, sample: { rxBytes: string | null; txBytes: string | null; sshSessions: number }) {
    const server = await this.serverForToken(token);
    if (!server) return false;
    const now = new Date();
    await this.servers.update(this.db, server.id, {
      last_heartbeat_at: now,
      ...(sample.sshSessions > 0 ? { last_ssh_session_at: now } : {}),
      ...(sample.rxBytes ? { rx_bytes: sample.rxBytes } : {}),
      ...(sample.txBytes ? { tx_bytes: sample.txBytes } : {}),
    });
    return true;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `create` after the previous create in this process in the same line (one caller naming one
   * project, by slug or id) has ended, either way.
   */
  private async oneCreateAtATime<T>(line: string, create: () => Promise<T>): Promise<T> {
    const previous = this.createsInLine.get(line) ?? Promise.resolve();
    const turn = previous.then(create, create);
    const done = turn.catch(() => {});
    this.createsInLine.set(line, done);
    try {
      return await turn;
    } finally {
      if (this.createsInLine.get(line) === done) this.createsInLine.delete(line);
    }
  }

  private async visible(actor: Actor, id: string): Promise<ServerRow> {
    const row = await this.servers.find(this.db, id);
    if (!row) notFound('Server');
    if (isStaff(actor)) return row;
    if ((await this.projects.roleOf(this.db, row.project_id, actor.userId)) === null) notFound('Server');
    return row;
  }

  /**
   * Runs BMC calls under a step timeout; any failure fails the server and parks the machine. A step
   * filed for an operator (the manual provider) is no failure: the timeline says what the operator
   * must do, the job ends, and the operator's confirmation enqueues it again (resumeAfterOperator).
   */
  private async runStep(
    serverId: string,
    machine: MachineRow,
    step: string,
    body: (signal: AbortSignal) => Promise<void>,
  ): Promise<StepOutcome> {
    const signal = AbortSignal.timeout(this.settings.stepTimeoutMs);
    try {
      await body(signal);
      return 'done';
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'awaiting_operator') {
        await this.db.transaction().execute((tx) => this.waitForOperator(tx, serverId, error.message));
        return 'waiting_operator';
      }
      // Providers wrap the step's timeout in their own error ("… cancelled by the caller"): say what happened.
      const message = (error as Error).message;
      const reason = `${step}: ${signal.aborted ? `the BMC did not answer within ${this.settings.stepTimeoutMs} ms (${message})` : message}`;
      await this.db.transaction().execute((tx) => this.failStep(tx, serverId, machine.id, reason));
      return 'failed';
    }
  }

  /**
   * A step that could not be done: the server fails with the reason (a delete finishes, since the
   * user asked for it gone) and leaves the machine, which goes to maintenance with the same reason.
   * Also for a manual step nobody confirmed in time (OperatorTasksService.expireOverdue).
   */
  async failStep(tx: Executor, serverId: string | null, machineId: string, reason: string) {
    const server = serverId ? await this.servers.lock(tx, serverId) : undefined;
    if (server && server.state !== 'failed' && server.state !== 'deleted') {
      if (server.state === 'deprovisioning') await this.finishDelete(tx, server.id, null, reason);
      else await this.move(tx, SYSTEM_CTX, server.id, server.state, 'failed', reason, server.progress_percent);
      await this.servers.update(tx, server.id, { machine_id: null });
    }
    await this.servers.setMachineState(tx, machineId, 'maintenance', reason, 'system', true);
  }

  /** A one-time key under `prefix`, unless an operator was asked to do this step (then that step's key). */
  private async freshKey(machine: MachineRow, prefix: string): Promise<string> {
    return (await this.control.operatorStepKey(machine, prefix)) ?? `${prefix}${randomBytes(4).toString('hex')}`;
  }

  /**
   * Puts "waiting for an operator: <instruction>" on the timeline, once per instruction in a row.
   * Only an event: the server row is not touched (its updated_at keys the power steps).
   */
  private async waitForOperator(tx: Executor, serverId: string, instruction: string) {
    const server = await this.servers.lock(tx, serverId);
    if (!server) return;
    const note = `waiting for an operator: ${instruction}`;
    const last = (await this.servers.events(tx, serverId)).at(-1);
    if (last?.step === 'waiting_operator' && last.note === note) return;
    await this.servers.insertEvent(tx, {
      serverId,
      from: server.state,
      to: server.state,
      step: 'waiting_operator',
      percent: server.progress_percent,
      note,
      actor: 'system',
    });
  }

  /** A progress step recorded once: a re-run (after a crash or an operator's confirmation) does not repeat it. */
  private async progressOnce(serverId: string, percent: number, step: string, note: string) {
    await this.servers.recordProgress(this.bookkeeping, serverId, { percent, step, note, isForward: true, whileIn: INSTALLING_STATES });
  }

  private async finishDelete(tx: Executor, serverId: string, machine: MachineRow | null, note: string) {
    const server = await this.servers.lock(tx, serverId);
    if (!server || server.state === 'deleted') return;
    if (machine) await this.servers.setMachineState(tx, machine.id, 'available', null, 'system', true);
    await this.servers.update(tx, serverId, { deleted_at: new Date(), provision_token_hash: null, machine_id: null });
    await this.move(tx, SYSTEM_CTX, serverId, server.state, 'deleted', note, 100);
  }

  private async move(
    tx: Executor,
    ctx: Ctx,
    serverId: string,
    from: ServerState,
    to: ServerState,
    note: string | null,
    percent: number,
    step: string | null = null,
  ) {
    const server = await this.servers.update(tx, serverId, {
      state: to,
      state_reason: to === 'failed' ? note : null,
      progress_percent: percent,
    });
    await this.servers.insertEvent(tx, { serverId, from, to, step: step ?? to, percent, note, actor: ctx.actor?.email ?? 'system' });
    if (ctx === SYSTEM_CTX || !ctx.actor) {
      await this.audit.record(tx, ctx, {
        action: `server.${to}`,
        targetType: 'server',
        targetId: serverId,
        projectId: server?.project_id ?? null,
        summary: { from, to, note },
      });
    }
  }

  private async progress(tx: Executor, serverId: string, percent: number, step: string, note: string | null) {
    await this.servers.recordProgress(tx, serverId, { percent, step, note });
  }

  private async enforceGrant(
    tx: Executor,
    projectId: string,
    plan: string,
    metro: string,
    priceCentsPerHour: number,
  ): Promise<GrantRow | null> {
    const grants = (await tx
      .selectFrom('grants')
      .select(['id', 'monthly_credit_cents', 'max_servers', 'allowed_plans', 'allowed_metros'])
      .where('project_id', '=', projectId)
      .where('state', 'in', ['active', 'expiring'])
      .where('starts_on', '<=', sql<string>`current_date`)
      .execute()) as GrantRow[];
    if (grants.length === 0) fail('ERR_NO_GRANT');
    const fitting = grants.filter(
      (grant) =>
        (grant.allowed_plans.length === 0 || grant.allowed_plans.includes(plan)) &&
        (grant.allowed_metros.length === 0 || grant.allowed_metros.includes(metro)),
    );
    if (fitting.length === 0) {
      const grant = grants[0] as GrantRow;
      throw new AppError(
        'ERR_GRANT_LIMIT',
        `The grant allows plans ${grant.allowed_plans.join(', ') || 'any'} in metros ${grant.allowed_metros.join(', ') || 'any'}; not ${plan} in ${metro}.`,
      );
    }
    const grant = fitting[0] as GrantRow;
    const live = await this.servers.countLive(tx, projectId);
    if (live >= grant.max_servers)
      throw new AppError('ERR_GRANT_LIMIT', `The grant allows ${grant.max_servers} concurrent server(s); the project has ${live}.`);
    // Metered spend this UTC month (server time to the second, traffic): refused from 100 % on.
    const credit = Number(grant.monthly_credit_cents);
    const spent = await grantMonthSpendIfNearCredit(tx, grant.id, credit);
    if (spent !== null && isCreditExhausted(spent, credit)) {
      throw new AppError(
        'ERR_GRANT_EXHAUSTED',
        `The grant's monthly credit is ${credit} cents and ${spent} are spent this month; no new ${plan} (${priceCentsPerHour} cents/hour) until next month.`,
      );
    }
    return grant;
  }

  private toServer(row: ServerRow, isStaffView: boolean): Server {
    const isActive = row.state === 'active';
    const sshHost = row.is_lab ? this.settings.labSshHost : ((row.ip_addresses as { address: string }[])[0]?.address ?? null);
    const sshPort = row.is_lab ? (row.lab_ssh_port ?? 22) : 22;
    return {
      id: row.id,
      hostname: row.hostname,
      project: { id: row.project_id, slug: row.project_slug, name: row.project_name },
      plan: row.plan_slug,
      metro: row.metro_code,
      operating_system: row.os_slug,
      state: row.state,
      state_reason: row.state_reason,
      progress_percent: row.progress_percent,
      ssh:
        isActive && sshHost
          ? { host: sshHost, port: sshPort, user: 'root', command: `ssh ${sshPort === 22 ? '' : `-p ${sshPort} `}root@${sshHost}` }
          : null,
      ip_addresses: row.ip_addresses as { address: string; public: boolean }[],
      always_pxe: row.always_pxe,
      termination_time: row.termination_time?.toISOString() ?? null,
      machine: isStaffView && row.machine_id && row.machine_hostname ? { id: row.machine_id, hostname: row.machine_hostname } : null,
      last_heartbeat_at: row.last_heartbeat_at?.toISOString() ?? null,
      created_at: row.created_at.toISOString(),
      activated_at: row.activated_at?.toISOString() ?? null,
      deleted_at: row.deleted_at?.toISOString() ?? null,
    };
  }
}

/**
 * Waits for both (the boot override and the power-state read, which do not depend on each other)
 * and gives the second's value. Neither is left running when the other fails: the step fails only
 * once both have ended, so nothing it started is still writing to the failed server.
 */
async function both<T>(first: Promise<unknown>, second: Promise<T>): Promise<T> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return b.value;
}

/** Enqueues a workflow job in the caller's transaction; one queue per server keeps its steps in order. */
async function enqueue(db: Executor, task: string, payload: Record<string, unknown>, serverId: string, delaySeconds = 0) {
  await sql`select graphile_worker.add_job(
    ${task},
    ${JSON.stringify(payload)}::json,
    queue_name => ${`server:${serverId}`},
    run_at => now() + make_interval(secs => ${delaySeconds}),
    max_attempts => 5
  )`.execute(db);
}

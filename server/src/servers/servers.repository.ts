import { type Selectable, sql } from 'kysely';
import { type Executor, preparedQuery } from '../db/database.ts';
import type { MachineState, MachinesTable, ServerState } from '../db/schema.ts';
import type { Keyset } from '../http/pagination.ts';

export const LIVE_STATES: ServerState[] = [
  'queued',
  'provisioning',
  'active',
  'powering_off',
  'inactive',
  'powering_on',
  'rebooting',
  'reinstalling',
  'deprovisioning',
];

/** ServersRepository.allocateForProvision's statement: prepared once per connection, as it runs for every provision. */
const allocateForProvision = preparedQuery<Selectable<MachinesTable> & { server_state: ServerState; server_generation: number }>(
  'servers_allocate_for_provision',
  `with server as (
    select id, state, provision_generation, progress_percent, hostname, plan_slug, metro_code, project_id
    from servers where id = $1
    for update
  ),
  waiting as (
    select * from server
    where provision_generation = $2 and state in ('queued', 'provisioning', 'reinstalling')
  ),
  held as (
    select machines.* from machines, waiting where machines.server_id = waiting.id
  ),
  taken as (
    update machines set state = 'allocated', server_id = $1, state_reason = null, updated_at = now()
    where id = (
      select machines.id from machines, waiting
      where machines.plan_slug = waiting.plan_slug and machines.metro_code = waiting.metro_code
        and machines.state = 'available' and not exists (select from held)
      order by machines.hostname
      for update of machines skip locked
      limit 1
    )
    returning machines.*
  ),
  taken_event as (
    insert into machine_events (machine_id, from_state, to_state, reason, actor_label)
    select taken.id, 'available', 'allocated', 'server ' || waiting.hostname, 'system' from taken, waiting
  ),
  machine as (
    select * from held union all select * from taken
  ),
  moved as (
    update servers set
      machine_id = machine.id,
      provision_token_hash = $3,
      state = case when waiting.state = 'queued' then 'provisioning' else servers.state end,
      state_reason = case when waiting.state = 'queued' then null else servers.state_reason end,
      progress_percent = greatest(servers.progress_percent, 10),
      updated_at = now()
    from waiting, machine
    where servers.id = waiting.id
    returning servers.id, waiting.state as from_state, servers.state as to_state, waiting.progress_percent as from_percent,
      servers.project_id, machine.hostname as machine_hostname
  ),
  moved_event as (
    insert into server_events (server_id, from_state, to_state, step, progress_percent, note, actor_label)
    select id, from_state, to_state, 'allocated', 10,
      case when from_state = 'queued' then 'machine ' || machine_hostname || ' allocated' else 'machine ' || machine_hostname end,
      'system'
    from moved where from_state = 'queued' or from_percent < 10
  ),
  moved_audit as (
    insert into audit_events (actor_user_id, actor_label, action, target_type, target_id, project_id, summary, request_id)
    select null, 'system', 'server.provisioning', 'server', id::text, project_id,
      jsonb_build_object('from', from_state, 'to', to_state, 'note', 'machine ' || machine_hostname || ' allocated'), null
    from moved where from_state = 'queued'
  )
  select machine.*, server.state as server_state, server.provision_generation as server_generation
  from server left join machine on true`,
);

/** ServersRepository.recordProgress's statement (every workflow step and boot request records one). */
const recordProgress = preparedQuery<{ id: string }>(
  'servers_record_progress',
  `with progressed as (
    update servers set progress_percent = $2::int, updated_at = now()
    where id = $1::uuid
      and ($3::text[] is null or state = any($3::text[]))
      and (not $4::boolean or progress_percent < $2::int)
    returning state
  )
  insert into server_events (server_id, from_state, to_state, step, progress_percent, note, actor_label)
  select $1::uuid, state, state, $5::text, $2::int, $6::text, 'system' from progressed
  returning id`,
);

export class ServersRepository {
  private base(db: Executor) {
    return db
      .selectFrom('servers')
      .innerJoin('projects', 'projects.id', 'servers.project_id')
      .leftJoin('machines', 'machines.id', 'servers.machine_id')
      .selectAll('servers')
      .select([
        'projects.slug as project_slug',
        'projects.name as project_name',
        'machines.hostname as machine_hostname',
        'machines.lab_ssh_port',
        'machines.is_lab',
      ]);
  }

  find(db: Executor, id: string) {
    return this.base(db).where('servers.id', '=', id).executeTakeFirst();
  }

  findByTokenHash(db: Executor, hash: Buffer) {
    return this.base(db).where('servers.provision_token_hash', '=', hash).executeTakeFirst();
  }

  lock(db: Executor, id: string) {
    return db.selectFrom('servers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  lockByTokenHash(db: Executor, hash: Buffer) {
    return db.selectFrom('servers').selectAll().where('provision_token_hash', '=', hash).forUpdate().executeTakeFirst();
  }

  /** Newest first, one page (and one row more, which says whether another page follows). */
  list(
    db: Executor,
    options: { projectIds: string[] | 'all'; state?: ServerState; isDeletedIncluded: boolean; after?: Keyset; limit: number },
  ) {
    let query = this.base(db);
    if (options.projectIds !== 'all') {
      if (options.projectIds.length === 0) return Promise.resolve([]);
      query = query.where('servers.project_id', 'in', options.projectIds);
    }
    if (options.state) query = query.where('servers.state', '=', options.state);
    else if (!options.isDeletedIncluded) query = query.where('servers.state', '!=', 'deleted');
    const after = options.after;
    if (after) {
      // The cursor row's own timestamp (microseconds); the cursor's when that row is gone.
      const at = sql<Date>`coalesce((select created_at from servers where id = ${after.id}), ${after.at})`;
      query = query.where(sql<boolean>`(servers.created_at, servers.id) < (${at}, ${after.id}::uuid)`);
    }
    return query
      .orderBy('servers.created_at', 'desc')
      .orderBy('servers.id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  insert(
    db: Executor,
    server: {
      project_id: string;
      grant_id: string | null;
      created_by: string | null;
      hostname: string;
      plan_slug: string;
      metro_code: string;
      os_slug: string;
      ssh_public_keys: string[];
      userdata: string;
      ipxe_script_url: string | null;
      ipxe_script: string | null;
      always_pxe: boolean;
      termination_time: Date | null;
    },
  ) {
    return db.insertInto('servers').values(server).returningAll().executeTakeFirstOrThrow();
  }

  async update(
    db: Executor,
    id: string,
    patch: Partial<{
      state: ServerState;
      state_reason: string | null;
      progress_percent: number;
      machine_id: string | null;
      provision_token_hash: Buffer | null;
      provision_generation: number;
      is_wipe_requested: boolean;
      os_slug: string;
      ip_addresses: string;
      activated_at: Date;
      deleted_at: Date;
      last_heartbeat_at: Date;
      last_ssh_session_at: Date;
      rx_bytes: string;
      tx_bytes: string;
    }>,
  ) {
    // The project comes back with the update, for callers that audit the change (no second read).
    return db
      .updateTable('servers')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returning('project_id')
      .executeTakeFirst();
  }

  async insertEvent(
    db: Executor,
    event: {
      serverId: string;
      from: string | null;
      to: string;
      step: string | null;
      percent: number | null;
      note: string | null;
      actor: string;
    },
  ) {
    await db
      .insertInto('server_events')
      .values({
        server_id: event.serverId,
        from_state: event.from,
        to_state: event.to,
        step: event.step,
        progress_percent: event.percent,
        note: event.note,
        actor_label: event.actor,
      })
      .execute();
  }

  /**
   * A progress step in one statement: the server's percentage and a timeline event in its current
   * state. With `whileIn`, only while the server is in one of those states; with `isForward`, only
   * when it is not that far yet (a step is not recorded again, nor after a later one). The row lock
   * the update takes orders it with other changes of the server, as a `lock` first did. Whether the
   * step was recorded.
   */
  async recordProgress(
    db: Executor,
    serverId: string,
    step: { percent: number; step: string; note: string | null; whileIn?: ServerState[]; isForward?: boolean },
  ): Promise<boolean> {
    const rows = await recordProgress(db, [serverId, step.percent, step.whileIn ?? null, step.isForward === true, step.step, step.note]);
    return rows.length > 0;
  }

  events(db: Executor, serverId: string) {
    return db.selectFrom('server_events').selectAll().where('server_id', '=', serverId).orderBy('id').execute();
  }

  countLive(db: Executor, projectId: string) {
    return db
      .selectFrom('servers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('state', 'in', LIVE_STATES)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  }

  countAvailableMachines(db: Executor, plan: string, metro: string) {
    return db
      .selectFrom('machines')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('plan_slug', '=', plan)
      .where('metro_code', '=', metro)
      .where('state', '=', 'available')
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  }

  /**
   * A provision's first step in one statement: locks the server, and, when it is still of this
   * generation and waiting for a machine, keeps the machine it holds or takes an available one of
   * its plan and metro (SKIP LOCKED lets concurrent provisions take different machines; the unique
   * machines.server_id makes giving one machine to two servers impossible), notes the allocation on
   * the machine's events, stores the machine and the token's digest on the server,
   * moves a queued server to provisioning at 10 % with its timeline event and audit entry (a server
   * that is further is only brought to 10 %). What took a transaction of ten round trips.
   *
   * Undefined: the server is gone. Otherwise its state and generation as they were, and its machine
   * (null when none was free: then nothing changed).
   */
  async allocateForProvision(db: Executor, serverId: string, generation: number, tokenHash: Buffer) {
    const rows = await allocateForProvision(db, [serverId, generation, tokenHash]);
    const row = rows[0];
    if (!row) return undefined;
    const { server_state, server_generation, ...machine } = row;
    return { state: server_state, generation: server_generation, machine: machine.id ? (machine as Selectable<MachinesTable>) : null };
  }

  machineOfServer(db: Executor, serverId: string) {
    return db.selectFrom('machines').selectAll().where('server_id', '=', serverId).executeTakeFirst();
  }

  findMachine(db: Executor, id: string) {
    return db.selectFrom('machines').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findMachineByMac(db: Executor, mac: string) {
    return db
      .selectFrom('machine_macs')
      .innerJoin('machines', 'machines.id', 'machine_macs.machine_id')
      .selectAll('machines')
      .where('machine_macs.mac', '=', mac)
      .executeTakeFirst();
  }

  async setMachineState(db: Executor, machineId: string, to: MachineState, reason: string | null, actor: string, release = false) {
    const before = await db.selectFrom('machines').select('state').where('id', '=', machineId).forUpdate().executeTakeFirst();
    await db
      .updateTable('machines')
      .set({ state: to, state_reason: reason, updated_at: sql`now()`, ...(release ? { server_id: null } : {}) })
      .where('id', '=', machineId)
      .execute();
    await db
      .insertInto('machine_events')
      .values({ machine_id: machineId, from_state: before?.state ?? null, to_state: to, reason, actor_label: actor })
      .execute();
  }

  /** Servers whose termination_time has passed, or whose grant ended. */
  dueForDeletion(db: Executor) {
    return db
      .selectFrom('servers')
      .leftJoin('grants', 'grants.id', 'servers.grant_id')
      .select(['servers.id', 'servers.termination_time', 'grants.state as grant_state'])
      .where('servers.state', 'in', ['active', 'inactive', 'failed', 'queued'])
      .where((eb) => eb.or([eb('servers.termination_time', '<=', sql<Date>`now()`), eb('grants.state', 'in', ['expired', 'revoked'])]))
      .execute();
  }

  serversOfGrant(db: Executor, grantId: string) {
    return db.selectFrom('servers').select('id').where('grant_id', '=', grantId).where('state', 'in', LIVE_STATES).execute();
  }
}

export type ServerRow = NonNullable<Awaited<ReturnType<ServersRepository['find']>>>;

import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Database, MachineState, MachinesTable } from '../db/schema.ts';

export type MachineRow = Selectable<MachinesTable>;
export type MachineFilters = { state?: MachineState; plan?: string; metro?: string; q?: string };

export type NewMachine = {
  id: string;
  hostname: string;
  serial: string | null;
  plan_slug: string;
  metro_code: string;
  location: string;
  bmc_provider: 'redfish' | 'lab' | 'manual';
  bmc_url: string | null;
  bmc_username: string | null;
  bmc_password_encrypted: Buffer | null;
  bmc_ca_pem: string | null;
  bmc_is_insecure: boolean;
  bmc_system_path: string | null;
  state: MachineState;
  is_lab: boolean;
  lab_ssh_port: number | null;
};

export type MachinePatch = Partial<
  Pick<
    MachineRow,
    | 'serial'
    | 'plan_slug'
    | 'metro_code'
    | 'location'
    | 'bmc_provider'
    | 'bmc_url'
    | 'bmc_username'
    | 'bmc_password_encrypted'
    | 'bmc_ca_pem'
    | 'bmc_is_insecure'
    | 'bmc_system_path'
    | 'is_lab'
    | 'lab_ssh_port'
  >
>;

export class InventoryRepository {
  /** Machines with their MACs (as text) and the server they are allocated to. */
  private base(db: Executor) {
    return db
      .selectFrom('machines')
      .leftJoin('servers', 'servers.id', 'machines.server_id')
      .leftJoin('projects', 'projects.id', 'servers.project_id')
      .selectAll('machines')
      .select([
        sql<string[]>`array(select mm.mac::text from machine_macs mm where mm.machine_id = machines.id order by mm.mac)`.as('macs'),
        'servers.hostname as server_hostname',
        'servers.state as server_state',
        'projects.id as project_id',
        'projects.slug as project_slug',
        'projects.name as project_name',
      ]);
  }

  find(db: Executor, id: string) {
    return this.base(db).where('machines.id', '=', id).executeTakeFirst();
  }

  /** Locks the machine's row: allocation and every state change take the same lock. */
  lock(db: Executor, id: string) {
    return db.selectFrom('machines').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  lockByHostname(db: Executor, hostname: string) {
    return db.selectFrom('machines').selectAll().where('hostname', '=', hostname).forUpdate().executeTakeFirst();
  }

  list(db: Executor, filters: MachineFilters, afterHostname: string | undefined, limit: number) {
    let query = this.base(db).where((eb) => this.matches(eb, filters));
    if (filters.state) query = query.where('machines.state', '=', filters.state);
    if (afterHostname !== undefined) query = query.where('machines.hostname', '>', afterHostname);
    return query
      .orderBy('machines.hostname')
      .limit(limit + 1)
      .execute();
  }

  async countByState(db: Executor, filters: MachineFilters) {
    const rows = await db
      .selectFrom('machines')
      .where((eb) => this.matches(eb, filters))
      .select(['state', sql<string>`count(*)`.as('n')])
      .groupBy('state')
      .execute();
    return new Map(rows.map((row) => [row.state, Number(row.n)]));
  }

  private matches(eb: ExpressionBuilder<Database, 'machines'>, filters: MachineFilters) {
    const conditions = [];
    if (filters.plan) conditions.push(eb('machines.plan_slug', '=', filters.plan));
    if (filters.metro) conditions.push(eb('machines.metro_code', '=', filters.metro));
    if (filters.q) {
      const like = `%${filters.q.replace(/[%_\\]/g, '\\$&')}%`;
      conditions.push(
        eb.or([
          eb('machines.hostname', 'ilike', like),
          eb('machines.serial', 'ilike', like),
          eb('machines.location', 'ilike', like),
          eb.exists(
            eb
              .selectFrom('machine_macs')
              .select(sql`1`.as('one'))
              .whereRef('machine_macs.machine_id', '=', 'machines.id')
              .where(sql<string>`machine_macs.mac::text`, 'ilike', like),
          ),
        ]),
      );
    }
    return eb.and(conditions);
  }

  events(db: Executor, machineId: string) {
    return db.selectFrom('machine_events').selectAll().where('machine_id', '=', machineId).orderBy('id').execute();
  }

  async insert(db: Executor, machine: NewMachine) {
    await db.insertInto('machines').values(machine).execute();
  }

  update(db: Executor, id: string, patch: MachinePatch) {
    return db
      .updateTable('machines')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  setFacts(db: Executor, id: string, facts: Record<string, unknown>) {
    return db
      .updateTable('machines')
      .set({ facts: JSON.stringify(facts) })
      .where('id', '=', id)
      .execute();
  }

  /** Adds MACs to a machine (machine_macs is what the boot service looks up; the array mirrors it). */
  async addMacs(db: Executor, machineId: string, macs: string[]) {
    if (macs.length === 0) return;
    await db
      .insertInto('machine_macs')
      .values(macs.map((mac) => ({ mac, machine_id: machineId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    await sql`update machines set mac_addresses = array(select mac from machine_macs where machine_id = ${machineId} order by mac)
      where id = ${machineId}`.execute(db);
  }

  /** Which machines already have any of these MACs. */
  macOwners(db: Executor, macs: string[]) {
    if (macs.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('machine_macs')
      .innerJoin('machines', 'machines.id', 'machine_macs.machine_id')
      .select([sql<string>`machine_macs.mac::text`.as('mac'), 'machines.id', 'machines.hostname'])
      .where(sql<string>`machine_macs.mac`, '=', sql<string>`any(${sql.val(macs)}::macaddr[])`)
      .execute();
  }

  hostnamesTaken(db: Executor, hostnames: string[]) {
    if (hostnames.length === 0) return Promise.resolve([]);
    return db.selectFrom('machines').select(['id', 'hostname']).where('hostname', 'in', hostnames).execute();
  }

  /**
   * A state change and its timestamped event, in the caller's transaction. The caller holds the row
   * lock (lock()) and passes the state it read, so the event's from_state is what was replaced.
   */
  async setState(db: Executor, machineId: string, from: MachineState | null, to: MachineState, reason: string | null, actor: string) {
    await db.updateTable('machines').set({ state: to, state_reason: reason, updated_at: sql`now()` }).where('id', '=', machineId).execute();
    await this.insertEvent(db, machineId, from, to, reason, actor);
  }

  /** An event without a state change (a maintenance machine re-probed): the timeline shows it. */
  async insertEvent(db: Executor, machineId: string, from: MachineState | null, to: MachineState, reason: string | null, actor: string) {
    await db
      .insertInto('machine_events')
      .values({ machine_id: machineId, from_state: from, to_state: to, reason, actor_label: actor })
      .execute();
  }

  /**
   * The probe job, in the transaction that changed the state. The job key collapses repeated
   * requests while one is waiting; a request made while a probe runs queues one more run.
   */
  async enqueueProbe(db: Executor, machineId: string) {
    await sql`select graphile_worker.add_job(
      'machine_enroll',
      json_build_object('machine_id', ${machineId}::text),
      queue_name => ${`machine:${machineId}`},
      job_key => ${`machine_enroll:${machineId}`},
      max_attempts => 5
    )`.execute(db);
  }
}

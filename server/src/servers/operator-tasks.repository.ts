import type { Executor } from '../db/database.ts';

/** Manual steps (bmc_actions filed `pending` by the manual provider) with their machine and server. */
export class OperatorTasksRepository {
  private base(db: Executor) {
    return db
      .selectFrom('bmc_actions')
      .innerJoin('machines', 'machines.id', 'bmc_actions.machine_id')
      .leftJoin('servers', 'servers.id', 'machines.server_id')
      .leftJoin('projects', 'projects.id', 'servers.project_id')
      .select([
        'bmc_actions.idempotency_key',
        'bmc_actions.action',
        'bmc_actions.provider',
        'bmc_actions.outcome',
        'bmc_actions.detail',
        'bmc_actions.occurred_at',
        'machines.id as machine_id',
        'machines.hostname as machine_hostname',
        'servers.id as server_id',
        'servers.hostname as server_hostname',
        'servers.state as server_state',
        'projects.id as project_id',
        'projects.slug as project_slug',
      ]);
  }

  /** Steps waiting for an operator, oldest first. */
  pending(db: Executor) {
    return this.base(db)
      .where('bmc_actions.outcome', '=', 'pending')
      .orderBy('bmc_actions.occurred_at')
      .orderBy('bmc_actions.idempotency_key')
      .execute();
  }

  /** Keys of the steps waiting for an operator since before `since`, oldest first. */
  async overdueKeys(db: Executor, since: Date): Promise<string[]> {
    const rows = await db
      .selectFrom('bmc_actions')
      .select('idempotency_key')
      .where('outcome', '=', 'pending')
      .where('occurred_at', '<', since)
      .orderBy('occurred_at')
      .execute();
    return rows.map((row) => row.idempotency_key);
  }

  /** One step under its key, locked so two confirmations of it are serialized. */
  lock(db: Executor, key: string) {
    return this.base(db).where('bmc_actions.idempotency_key', '=', key).forUpdate('bmc_actions').executeTakeFirst();
  }
}

export type OperatorTaskRow = Awaited<ReturnType<OperatorTasksRepository['pending']>>[number];

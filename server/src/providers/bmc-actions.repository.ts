import { type Selectable, sql } from 'kysely';
import { type Executor, preparedQuery } from '../db/database.ts';
import type { BmcActionsTable } from '../db/schema.ts';

export type BmcActionRow = Selectable<BmcActionsTable>;

/**
 * Outcomes of a BMC action under its idempotency key: `started` (the call was made; a crash may have
 * cut it short, so a re-run repeats it), `done`, `failed` (a re-run tries again), `pending` (filed
 * for an operator by the manual provider; an operator's confirmation makes it `done`).
 */
export type BmcActionOutcome = 'started' | 'done' | 'failed' | 'pending';

// Prepared once per connection: every BMC action of every workflow runs both.
const claimAction = preparedQuery<{ idempotency_key: string }>(
  'bmc_actions_claim',
  `insert into bmc_actions (idempotency_key, machine_id, action, provider, outcome, detail)
  values ($1::text, $2::uuid, $3::text, $4::text, 'started', $5::jsonb)
  on conflict (idempotency_key) do update
    set provider = excluded.provider, outcome = 'started', detail = bmc_actions.detail || excluded.detail, occurred_at = now()
    where bmc_actions.outcome not in ('done', 'pending')
  returning idempotency_key`,
);
const finishAction = preparedQuery<BmcActionRow>(
  'bmc_actions_finish',
  `update bmc_actions set outcome = $2::text, detail = detail || $3::jsonb, occurred_at = now()
  where idempotency_key = $1::text
  returning *`,
);

export class BmcActionsRepository {
  find(db: Executor, key: string) {
    return db.selectFrom('bmc_actions').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  /**
   * Records that `provider` is about to act under the key, in one statement, unless the key's action
   * is already `done` or `pending` (then that row comes back and nothing changes): what `find` and
   * then `start` did in two round trips, for every BMC action of every workflow.
   */
  async claim(
    db: Executor,
    action: { key: string; machineId: string; action: string; provider: string; detail: Record<string, unknown> },
  ): Promise<{ isClaimed: true } | { isClaimed: false; row: BmcActionRow }> {
    const rows = await claimAction(db, [action.key, action.machineId, action.action, action.provider, JSON.stringify(action.detail)]);
    if (rows.length > 0) return { isClaimed: true };
    const row = await this.find(db, action.key);
    if (row && (row.outcome === 'done' || row.outcome === 'pending')) return { isClaimed: false, row };
    // Changed in between by someone else (workflows of one server run one at a time, so hardly ever).
    await this.start(db, action);
    return { isClaimed: true };
  }

  /** Records that `provider` is about to act (again) under the key. */
  async start(db: Executor, action: { key: string; machineId: string; action: string; provider: string; detail: Record<string, unknown> }) {
    await db
      .insertInto('bmc_actions')
      .values({
        idempotency_key: action.key,
        machine_id: action.machineId,
        action: action.action,
        provider: action.provider,
        outcome: 'started',
        detail: JSON.stringify(action.detail),
      })
      .onConflict((oc) =>
        oc.column('idempotency_key').doUpdateSet({
          provider: action.provider,
          outcome: 'started',
          detail: sql`bmc_actions.detail || ${JSON.stringify(action.detail)}::jsonb`,
          occurred_at: sql`now()`,
        }),
      )
      .execute();
  }

  /** Records the outcome and returns the row as it now is. */
  async finish(db: Executor, key: string, outcome: BmcActionOutcome, detail: Record<string, unknown>): Promise<BmcActionRow | undefined> {
    return (await finishAction(db, [key, outcome, JSON.stringify(detail)]))[0];
  }

  /** An operator did a pending step: only a pending row changes (a second confirmation finds nothing). */
  confirm(db: Executor, key: string, confirmedBy: string, note: string | null) {
    const detail = { confirmed_by: confirmedBy, confirmed_at: new Date().toISOString(), ...(note ? { note } : {}) };
    return db
      .updateTable('bmc_actions')
      .set({ outcome: 'done', detail: sql`detail || ${JSON.stringify(detail)}::jsonb`, occurred_at: sql`now()` })
      .where('idempotency_key', '=', key)
      .where('outcome', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * The latest manual step under a key prefix that is pending or was confirmed: a workflow re-run
   * reuses its key instead of filing the same step for the operator again.
   */
  async latestOperatorStep(db: Executor, keyPrefix: string) {
    const escaped = keyPrefix.replace(/[\\%_]/g, (char) => `\\${char}`);
    return db
      .selectFrom('bmc_actions')
      .selectAll()
      .where('idempotency_key', 'like', `${escaped}%`)
      .where('provider', '=', 'manual')
      .where('outcome', 'in', ['pending', 'done'])
      .orderBy('occurred_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Steps waiting for an operator, oldest first (optionally one machine's). */
  pending(db: Executor, machineId?: string) {
    let query = db.selectFrom('bmc_actions').selectAll().where('outcome', '=', 'pending');
    if (machineId) query = query.where('machine_id', '=', machineId);
    return query.orderBy('occurred_at').orderBy('idempotency_key').execute();
  }
}

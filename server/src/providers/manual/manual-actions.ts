/**
 * Steps filed for operators (bmc_actions rows with outcome 'pending'): what the confirmation route
 * and the workflows need. A workflow either re-runs its step later (the registry answers from the
 * row: still pending, or done once confirmed) or blocks on awaitConfirmation(key).
 */
import type { Executor } from '../../db/database.ts';
import type { BmcActionRow, BmcActionsRepository } from '../bmc-actions.repository.ts';
import { ProviderError } from '../types.ts';
import { MANUAL_PROVIDER } from './manual-provider.ts';

export type PendingStep = { key: string; machineId: string; action: string; instruction: string; since: Date };

export class ManualActions {
  private readonly db: Executor;
  private readonly actions: BmcActionsRepository;
  private readonly pollMs: number;

  constructor(db: Executor, actions: BmcActionsRepository, options: { pollMs?: number } = {}) {
    this.db = db;
    this.actions = actions;
    this.pollMs = options.pollMs ?? 2_000;
  }

  /** Steps waiting for an operator, oldest first; optionally of one machine. */
  async pending(machineId?: string): Promise<PendingStep[]> {
    return (await this.actions.pending(this.db, machineId)).map(toPendingStep);
  }

  /**
   * An operator says the step is done. Returns the step, or null when no such step is pending
   * (unknown key, or already confirmed): the route answers 404/409 for that.
   */
  async confirm(key: string, confirmedBy: string, note: string | null = null): Promise<BmcActionRow | null> {
    return (await this.actions.confirm(this.db, key, confirmedBy, note)) ?? null;
  }

  /** Resolves when the step under `key` is done (confirmed); polls the row, so it survives restarts of either side. */
  async awaitConfirmation(key: string, signal: AbortSignal): Promise<BmcActionRow> {
    for (;;) {
      const row = await this.actions.find(this.db, key);
      if (!row) throw new ProviderError(MANUAL_PROVIDER, 'not_found', `no BMC action under key ${key}`);
      if (row.outcome === 'done') return row;
      if (row.outcome !== 'pending')
        throw new ProviderError(MANUAL_PROVIDER, 'invalid', `the action under key ${key} is ${row.outcome}, not waiting for an operator`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, this.pollMs);
        const onAbort = () => {
          clearTimeout(timer);
          reject(new ProviderError(MANUAL_PROVIDER, 'awaiting_operator', `still waiting for an operator: ${instructionOf(row)}`));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

function instructionOf(row: BmcActionRow): string {
  const instruction = row.detail.instruction;
  return typeof instruction === 'string' ? instruction : row.action;
}

function toPendingStep(row: BmcActionRow): PendingStep {
  return {
    key: row.idempotency_key,
    machineId: row.machine_id,
    action: row.action,
    instruction: instructionOf(row),
    since: row.occurred_at,
  };
}

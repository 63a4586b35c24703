/**
 * Operator tasks: the steps the manual provider filed for a person (power a machine on, pick the
 * network boot at POST, …). Listing them is the operators' to-do list; confirming one marks the step
 * done and, in the same transaction, enqueues the waiting server's workflow job again, so a crash
 * between the two cannot leave a server waiting on a step already confirmed.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { Db } from '../db/database.ts';
import { type SignedIn, SYSTEM_CTX } from '../http/context.ts';
import { fail, notFound } from '../http/errors.ts';
import type { BmcActionsRepository } from '../providers/bmc-actions.repository.ts';
import type { OperatorTaskRow, OperatorTasksRepository } from './operator-tasks.repository.ts';
import type { OperatorTask, OperatorTaskConfirmed } from './operator-tasks.schemas.ts';
import type { ServersRepository } from './servers.repository.ts';
import type { ServersService } from './servers.service.ts';

const MANUAL = 'manual';

export class OperatorTasksService {
  private readonly db: Db;
  private readonly tasks: OperatorTasksRepository;
  private readonly actions: BmcActionsRepository;
  private readonly servers: ServersRepository;
  private readonly workflows: ServersService;
  private readonly audit: AuditService;
  private readonly timeoutSeconds: number;

  constructor(
    db: Db,
    deps: {
      tasks: OperatorTasksRepository;
      actions: BmcActionsRepository;
      servers: ServersRepository;
      workflows: ServersService;
      audit: AuditService;
      /** How long a step may wait for an operator before its server fails (default a day). */
      timeoutSeconds: number;
    },
  ) {
    this.db = db;
    this.tasks = deps.tasks;
    this.actions = deps.actions;
    this.servers = deps.servers;
    this.workflows = deps.workflows;
    this.audit = deps.audit;
    this.timeoutSeconds = deps.timeoutSeconds;
  }

  async list(): Promise<OperatorTask[]> {
    return (await this.tasks.pending(this.db)).map(toTask);
  }

  /** 404 for a key that names no manual step; 409 for one already confirmed. */
  async confirm(ctx: SignedIn, key: string, note: string | null): Promise<OperatorTaskConfirmed> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.tasks.lock(tx, key);
      if (!row || row.provider !== MANUAL || !['pending', 'done'].includes(row.outcome)) notFound('Operator task');
      if (row.outcome === 'done') {
        const detail = row.detail as { confirmed_by?: string; confirmed_at?: string };
        fail(
          'ERR_CONFLICT',
          `This step was already confirmed by ${detail.confirmed_by ?? 'someone'} at ${detail.confirmed_at ?? 'an earlier time'}.`,
        );
      }
      const confirmed = await this.actions.confirm(tx, key, ctx.actor.email, note);
      const detail = (confirmed?.detail ?? {}) as { confirmed_at?: string };
      const instruction = instructionOf(row);
      let resumed: string | null = null;
      if (row.server_id) {
        const server = await this.servers.lock(tx, row.server_id);
        if (server) {
          await this.servers.insertEvent(tx, {
            serverId: server.id,
            from: server.state,
            to: server.state,
            step: 'operator_confirmed',
            percent: server.progress_percent,
            note: `${instruction}${note ? ` (${note})` : ''}`,
            actor: ctx.actor.email,
          });
          resumed = await this.workflows.resumeAfterOperator(tx, server.id);
        }
      }
      await this.audit.record(tx, ctx, {
        action: 'machine.task_confirmed',
        targetType: 'machine',
        targetId: row.machine_id,
        projectId: row.project_id,
        summary: { task: key, action: row.action, instruction, server: row.server_id, ...(note ? { note } : {}) },
      });
      return {
        id: key,
        machine: { id: row.machine_id, hostname: row.machine_hostname },
        instruction,
        confirmed_by: ctx.actor.email,
        confirmed_at: detail.confirmed_at ?? new Date().toISOString(),
        resumed,
      };
    });
  }

  /**
   * The `operator_tasks_expire` job: a step nobody confirmed within the timeout is given up. The
   * step is marked failed (it leaves the operators' list; confirming it answers 404), its server
   * fails with the reason, and the machine goes to maintenance, as for a BMC that does not answer.
   */
  async expireOverdue(): Promise<number> {
    const since = new Date(Date.now() - this.timeoutSeconds * 1000);
    let expired = 0;
    for (const key of await this.tasks.overdueKeys(this.db, since)) {
      const isExpired = await this.db.transaction().execute(async (tx) => {
        const row = await this.tasks.lock(tx, key);
        // Confirmed (or expired by another process) since the list was read.
        if (row?.outcome !== 'pending' || row.occurred_at >= since) return false;
        const reason = `no operator confirmed "${instructionOf(row)}" within ${formatDuration(this.timeoutSeconds)}`;
        await this.actions.finish(tx, key, 'failed', { error: reason, error_kind: 'operator_timeout' });
        await this.workflows.failStep(tx, row.server_id, row.machine_id, reason);
        await this.audit.record(tx, SYSTEM_CTX, {
          action: 'machine.task_expired',
          targetType: 'machine',
          targetId: row.machine_id,
          projectId: row.project_id,
          summary: { task: key, action: row.action, instruction: instructionOf(row), server: row.server_id, reason },
        });
        return true;
      });
      if (isExpired) expired++;
    }
    return expired;
  }
}

/** "1 day", "3 hours", "90 minutes", "45 seconds": the largest unit that divides the time. */
function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}${seconds === size ? '' : 's'}`;
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

function instructionOf(row: OperatorTaskRow): string {
  const instruction = (row.detail as { instruction?: unknown }).instruction;
  return typeof instruction === 'string' ? instruction : row.action;
}

function toTask(row: OperatorTaskRow): OperatorTask {
  return {
    id: row.idempotency_key,
    machine: { id: row.machine_id, hostname: row.machine_hostname },
    server:
      row.server_id && row.server_hostname && row.server_state && row.project_id && row.project_slug
        ? {
            id: row.server_id,
            hostname: row.server_hostname,
            state: row.server_state,
            project: { id: row.project_id, slug: row.project_slug },
          }
        : null,
    action: row.action,
    instruction: instructionOf(row),
    since: row.occurred_at.toISOString(),
  };
}

/**
 * Operator tasks: the steps the manual provider filed for a person (power a machine on, pick the
 * network boot at POST, …). Listing them is the operators' to-do list; confirming one marks the step
 * done and, in the same transaction, enqueues the waiting server's workflow job again, so a crash
 * between the two cannot leave a server waiting on a step already confirmed.
 */
import type { AuditService } from '../audit/audit.service.ts';
import type { Db } from '../db/database.ts';
import type { SignedIn } from '../http/context.ts';
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

  constructor(
    db: Db,
    deps: {
      tasks: OperatorTasksRepository;
      actions: BmcActionsRepository;
      servers: ServersRepository;
      workflows: ServersService;
      audit: AuditService;
    },
  ) {
    this.db = db;
    this.tasks = deps.tasks;
    this.actions = deps.actions;
    this.servers = deps.servers;
    this.workflows = deps.workflows;
    this.audit = deps.audit;
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

import { type Runner, run, type TaskList } from 'graphile-worker';
import type pg from 'pg';

export type JobHandlers = Record<string, (payload: Record<string, unknown>) => Promise<unknown>>;

/**
 * Runs graphile-worker in this process. Jobs are durable rows in PostgreSQL: enqueued in the
 * transaction that made the change, retried with exponential backoff, picked up again after a crash.
 */
export async function startWorker(options: {
  pool: pg.Pool;
  handlers: JobHandlers;
  crontab: string;
  concurrency?: number;
  log: (message: string) => void;
  recoverLockedJobs?: boolean;
}): Promise<Runner> {
  const taskList: TaskList = {};
  for (const [name, handler] of Object.entries(options.handlers)) {
    taskList[name] = async (payload) => {
      await handler((payload ?? {}) as Record<string, unknown>);
    };
  }
  if (options.recoverLockedJobs) {
    // After a kill -9 the dead worker's jobs stay locked for hours; with one worker process per
    // database (the default), every lock at start-up is such a leftover: release them now.
    await options.pool
      .query(
        'select graphile_worker.force_unlock_workers(array(select distinct locked_by from graphile_worker.jobs where locked_by is not null))',
      )
      .catch(() => {});
  }
  return run({
    pgPool: options.pool,
    taskList,
    concurrency: options.concurrency ?? 4,
    noHandleSignals: true,
    pollInterval: 1000,
    crontab: options.crontab,
  });
}

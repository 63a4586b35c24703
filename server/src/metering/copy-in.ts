import { once } from 'node:events';
import { CompiledQuery } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * `COPY … FROM STDIN` on the connection of a Kysely transaction.
 *
 * Why by hand: pg-copy-streams is not a dependency, and the transaction's pg client is private to
 * Kysely. But pg treats any object with `submit()` as a query (pg-cursor works that way), and
 * Kysely hands `compiledQuery.sql` to `client.query` untouched; so an object that speaks the COPY
 * sub-protocol (CopyData messages, then CopyDone or CopyFail) runs on the transaction's own
 * connection, inside its transaction. Kysely awaits the object, so it is a thenable that settles
 * when the server has answered the COPY.
 *
 * While a COPY runs its connection can do nothing else: look-ups the source needs must go through
 * another connection (the pool), never this transaction.
 */
export async function copyIn(tx: Executor, statement: string, source: AsyncIterable<Buffer | string>): Promise<number> {
  const copy = await startCopyIn(tx, statement);
  try {
    for await (const chunk of source) await copy.write(chunk);
  } catch (error) {
    await copy.abort(error instanceof Error ? error.message : String(error));
    throw error;
  }
  return copy.end();
}

export type CopyInStream = {
  /** Sends COPY text; rejects once the server has refused the COPY (the error it answered). */
  write(chunk: Buffer | string): Promise<void>;
  /** Finishes the COPY: the number of rows copied, or the server's error. */
  end(): Promise<number>;
  /** Gives up: the server refuses the COPY, and the transaction is aborted. */
  abort(reason: string): Promise<void>;
  /** The server's error, once it refused the COPY (e.g. a unique violation); null while all is well. */
  readonly error: Error | null;
};

export async function startCopyIn(tx: Executor, statement: string): Promise<CopyInStream> {
  const copy = new CopyInQuery(statement);
  const running = tx.executeQuery(CompiledQuery.raw(copy as unknown as string));
  // Settled by end() or abort(); until then a refusal must not surface as an unhandled rejection.
  running.catch(() => {});
  try {
    await copy.started;
  } catch (error) {
    await running.catch(() => {});
    throw error;
  }
  return {
    write: (chunk) => copy.write(chunk),
    end: async () => {
      copy.end();
      const result = await running;
      return Number((result.rows[0] as { rows_copied?: number } | undefined)?.rows_copied ?? 0);
    },
    abort: async (reason) => {
      copy.fail(reason);
      await running.catch(() => {});
    },
    get error() {
      return copy.failure;
    },
  };
}

const COPY_WINDOW_BYTES = 8 * 1024 * 1024;

type Connection = {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
};

type QueryResult = { command: string; rowCount: number; rows: { rows_copied: number }[] };

class CopyInQuery {
  private readonly text: string;
  private connection: Connection | null = null;
  private error: Error | null = null;
  private rowCount = 0;
  private isEnded = false;
  readonly started: Promise<void>;
  private readonly finished: Promise<QueryResult>;
  private resolveStarted!: () => void;
  private rejectStarted!: (error: Error) => void;
  private resolveFinished!: (result: QueryResult) => void;
  private rejectFinished!: (error: Error) => void;

  constructor(text: string) {
    this.text = text;
    this.started = new Promise((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    this.started.catch(() => {});
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => {});
  }

  // ── what pg's client calls ──
  submit(connection: Connection) {
    this.connection = connection;
    connection.query(this.text);
  }
  handleCopyInResponse(connection: Connection) {
    this.connection = connection;
    this.resolveStarted();
  }
  handleCommandComplete(message: { text: string }) {
    this.rowCount = Number(/\d+$/.exec(message.text)?.[0] ?? 0);
  }
  get failure() {
    return this.error;
  }
  // pg forgets the active query when the server reports an error: ReadyForQuery then goes to
  // nobody, so an error settles the query at once (as pg's own Query does).
  handleError(error: Error) {
    this.error = error;
    this.rejectStarted(error);
    this.rejectFinished(error);
  }
  handleReadyForQuery() {
    if (!this.error) this.resolveFinished({ command: 'COPY', rowCount: this.rowCount, rows: [{ rows_copied: this.rowCount }] });
  }
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyData() {}

  // ── what Kysely awaits ──
  // biome-ignore lint/suspicious/noThenProperty: Kysely awaits what pg's client.query returns; this is that promise.
  then<T, E = never>(onFulfilled?: (value: QueryResult) => T | PromiseLike<T>, onRejected?: (reason: unknown) => E | PromiseLike<E>) {
    return this.finished.then(onFulfilled, onRejected);
  }

  // ── what the caller does ──
  async write(chunk: Buffer | string) {
    if (this.error) throw this.error;
    const connection = this.connection as Connection;
    connection.sendCopyFromChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    // Backpressure with a window: let up to 8 MB wait in the socket's buffer so the source keeps
    // reading while PostgreSQL works through what it has, but never buffer a whole batch.
    const stream = connection.stream as NodeJS.WritableStream & { writableLength?: number };
    if ((stream.writableLength ?? 0) > COPY_WINDOW_BYTES) await Promise.race([once(stream, 'drain'), this.finished]);
  }
  end() {
    if (this.isEnded || this.error) return;
    this.isEnded = true;
    this.connection?.endCopyFrom();
  }
  fail(message: string) {
    if (this.isEnded || this.error || !this.connection) return;
    this.isEnded = true;
    this.connection.sendCopyFail(message.slice(0, 200));
  }
}

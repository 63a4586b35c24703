import type { ChangeListener } from '../db/listener.ts';

/** PostgreSQL's channel for changes to what a projects page shows (migration 0063). */
export const PROJECTS_CHANNEL = 'surplus_projects';

/**
 * Pages of `GET /api/v1/projects` as sent, by caller and query (decision 0007, second revision).
 * Migration 0063's triggers notify on every committed change to what a page shows, from any
 * process or SQL session: a project's JSON, member count or order, and any membership. Each
 * notification drops every page, since one change can move many pages (a new project shifts all of
 * a member's). Nothing is cached or served while the listener's connection is down.
 *
 * Read-your-writes: a notification reaches the listener shortly after its commit, while a client
 * that wrote through this process may ask for a page at once. So every write request counts itself
 * (`noteWrite`), and a read that finds writes it has not seen first waits for a fence (see
 * ChangeListener.fence): whatever those writes notified has then been applied. Concurrent readers
 * share one fence.
 */
export class ProjectPageCache {
  private readonly listener: ChangeListener | null;
  private readonly send: (channel: string, payload: string) => Promise<unknown>;
  private readonly capacityChars: number;
  private readonly pages = new Map<string, string>();
  private chars = 0;
  /** Moves on every notification and connection change; stores made across one are refused. */
  private generation = 0;
  /** Write requests this process has answered, and how many of them a finished fence covers. */
  private writes = 0;
  private fencedWrites = 0;
  private pendingFence: { writes: number; done: Promise<boolean> } | null = null;

  /**
   * `send` notifies through a pooled connection (for fences). `capacityChars` bounds the pages' total
   * length (64 MiB of text by default); the least recently used go first.
   */
  constructor(
    listener: ChangeListener | null,
    send: (channel: string, payload: string) => Promise<unknown>,
    options: { capacityChars?: number } = {},
  ) {
    this.listener = listener;
    this.send = send;
    this.capacityChars = options.capacityChars ?? 32 * 1024 * 1024;
    listener?.subscribe(PROJECTS_CHANNEL, () => this.forget());
    listener?.onReset(() => this.forget());
  }

  get size(): number {
    return this.pages.size;
  }

  /** A write request is about to be answered: reads after it must see what it changed. */
  noteWrite() {
    this.writes++;
  }

  /**
   * The cached page, or undefined; then `generation` is what to hand to set() after reading the
   * page from PostgreSQL.
   */
  async get(key: string): Promise<{ page?: string; generation: number }> {
    if (!this.listener?.isListening) return { generation: -1 };
    if (this.fencedWrites < this.writes && !(await this.catchUp())) return { generation: -1 };
    const generation = this.generation;
    const page = this.pages.get(key);
    if (page !== undefined) {
      // A Map iterates in insertion order: inserting again makes this the most recently used.
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return { page, generation };
  }

  /** Keeps a page unless a notification or a reconnection came since `generation` was read. */
  set(key: string, page: string, generation: number) {
    if (!this.listener?.isListening || generation !== this.generation || page.length > this.capacityChars) return;
    this.remove(key);
    while (this.chars + page.length > this.capacityChars) {
      const oldest = this.pages.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    this.pages.set(key, page);
    this.chars += page.length;
  }

  /** Waits until the notifications of every write answered so far have arrived; false if they cannot be known. */
  private async catchUp(): Promise<boolean> {
    const writes = this.writes;
    let fence = this.pendingFence;
    if (!fence || fence.writes < writes) {
      const started = { writes, done: this.listener ? this.listener.fence(this.send) : Promise.resolve(false) };
      this.pendingFence = started;
      fence = started;
      void started.done.then((hasArrived) => {
        if (hasArrived) this.fencedWrites = Math.max(this.fencedWrites, started.writes);
        if (this.pendingFence === started) this.pendingFence = null;
      });
    }
    return fence.done;
  }

  private remove(key: string) {
    const page = this.pages.get(key);
    if (page === undefined) return;
    this.pages.delete(key);
    this.chars -= page.length;
  }

  private forget() {
    this.generation++;
    this.pages.clear();
    this.chars = 0;
  }
}

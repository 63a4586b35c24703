import type { ChangeListener } from './listener.ts';

/**
 * Pages of a list as sent (UTF-8 bytes, so that a cached page is not encoded again on every send),
 * by whatever key tells two askers apart (decision 0007, second revision).
 * Triggers notify the cache's channels on every committed change to what its pages show, from any
 * process or SQL session, and each notification drops every page, since one change can move many
 * pages. Nothing is cached or served while the listener's connection is down, and a read that finds
 * writes this process answered but has not yet heard of first waits for them (ChangeListener.catchUp).
 * A page may also say when it goes stale by itself (`expiresAt`: a wait shown in days moves on).
 */
export class PageCache {
  private readonly listener: ChangeListener | null;
  private readonly capacityBytes: number;
  private readonly pages = new Map<string, { page: Buffer; expiresAt: number }>();
  private bytes = 0;
  /** Moves on every notification and connection change; stores made across one are refused. */
  private generation = 0;

  /**
   * `channels` are the PostgreSQL channels whose notifications drop every page. `capacityBytes`
   * bounds the pages' total size (64 MiB by default); the least recently used go first.
   */
  constructor(listener: ChangeListener | null, channels: string[], options: { capacityBytes?: number } = {}) {
    this.listener = listener;
    this.capacityBytes = options.capacityBytes ?? 64 * 1024 * 1024;
    for (const channel of channels) listener?.subscribe(channel, () => this.forget());
    listener?.onReset(() => this.forget());
  }

  get size(): number {
    return this.pages.size;
  }

  /**
   * The cached page, or undefined; then `generation` is what to hand to set() after reading the
   * page from PostgreSQL.
   */
  async get(key: string): Promise<{ page?: Buffer; generation: number }> {
    if (!this.listener || !(await this.listener.catchUp())) return { generation: -1 };
    const generation = this.generation;
    const entry = this.pages.get(key);
    if (!entry) return { generation };
    this.remove(key);
    if (entry.expiresAt <= Date.now()) return { generation };
    // A Map iterates in insertion order: inserting again makes this the most recently used.
    this.pages.set(key, entry);
    this.bytes += entry.page.length;
    return { page: entry.page, generation };
  }

  /** Keeps a page (until `expiresAt`, ms) unless a notification or a reconnection came since `generation` was read. */
  set(key: string, page: Buffer, generation: number, expiresAt = Number.POSITIVE_INFINITY) {
    if (!this.listener?.isListening || generation !== this.generation || page.length > this.capacityBytes) return;
    this.remove(key);
    while (this.bytes + page.length > this.capacityBytes) {
      const oldest = this.pages.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    this.pages.set(key, { page, expiresAt });
    this.bytes += page.length;
  }

  private remove(key: string) {
    const entry = this.pages.get(key);
    if (!entry) return;
    this.pages.delete(key);
    this.bytes -= entry.page.length;
  }

  private forget() {
    this.generation++;
    this.pages.clear();
    this.bytes = 0;
  }
}

import type { ChangeListener } from '../db/listener.ts';
import type { Actor } from '../http/context.ts';

/** What a cached bearer token stands for, and what is needed to keep its rules. */
export type CachedToken = {
  actor: Actor;
  tokenId: string;
  userId: string;
  /** The token's last_used_at as this process last knew it (ms), for the touch-once-a-minute rule. */
  lastUsedAt: number;
  /** The token's expiry (ms), or null. */
  expiresAt: number | null;
};

/** PostgreSQL's channel for changes to tokens and users (migration 0062). */
export const AUTH_CHANNEL = 'surplus_auth';

/**
 * Bearer tokens already looked up, by their digest (decision 0007). An entry is used only while a
 * connection LISTENs on surplus_auth, where migration 0062's triggers announce every committed change
 * to what the token lookup reads, from any process or SQL session: the entries of that token or user
 * are dropped on arrival. Losing the connection drops every entry and stops caching until LISTEN
 * holds again. An entry lives at most `maxAgeMs` whatever happens, and is never used past the
 * token's expiry. A lookup that started before a notification arrived is not stored (it may have
 * read the row before the change).
 */
export class TokenCache {
  private readonly listener: ChangeListener | null;
  private readonly maxAgeMs: number;
  private readonly capacity: number;
  private readonly entries = new Map<string, CachedToken & { cachedAt: number }>();
  /** Moves on every notification and connection change; stores made across one are refused. */
  generation = 0;

  /** Without a listener (tests, or no database URL) nothing is cached. */
  constructor(listener: ChangeListener | null, options: { maxAgeMs?: number; capacity?: number } = {}) {
    this.listener = listener;
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    this.capacity = options.capacity ?? 10_000;
    listener?.subscribe(AUTH_CHANNEL, (payload) => this.drop(payload || 'all'));
    listener?.onReset(() => this.forget());
  }

  /** Whether a LISTEN connection is up: without one nothing is cached or served from here. */
  get isListening(): boolean {
    return this.listener?.isListening ?? false;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = Date.now();
    if (!this.isListening || now - entry.cachedAt > this.maxAgeMs || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Keeps a lookup's result unless a notification or a reconnection came since `generation` was read. */
  set(key: string, token: CachedToken, generation: number) {
    if (!this.isListening || generation !== this.generation) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { ...token, cachedAt: Date.now() });
  }

  /** A notification: 'token:<id>', 'user:<id>', or anything else for everything. */
  drop(payload: string) {
    this.generation++;
    const [kind, id] = payload.split(':');
    if ((kind !== 'token' && kind !== 'user') || !id) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      if ((kind === 'token' ? entry.tokenId : entry.userId) === id) this.entries.delete(key);
    }
  }

  private forget() {
    this.generation++;
    this.entries.clear();
  }
}

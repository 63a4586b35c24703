import pg from 'pg';
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
  private readonly url: string | null;
  private readonly maxAgeMs: number;
  private readonly capacity: number;
  private readonly entries = new Map<string, CachedToken & { cachedAt: number }>();
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private isClosed = false;
  /** Whether a LISTEN connection is up: without one nothing is cached or served from here. */
  isListening = false;
  /** Moves on every notification and connection change; stores made across one are refused. */
  generation = 0;

  constructor(url: string | null, options: { maxAgeMs?: number; capacity?: number } = {}) {
    this.url = url;
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    this.capacity = options.capacity ?? 10_000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Connects and LISTENs; on failure keeps retrying in the background. Without a URL it does nothing. */
  async start(): Promise<void> {
    if (!this.url || this.isClosed) return;
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.forget();
      client.end().catch(() => {});
      if (!this.isClosed) this.retry = setTimeout(() => void this.start(), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === AUTH_CHANNEL) this.drop(message.payload ?? 'all');
    });
    try {
      await client.connect();
      await client.query(`listen ${AUTH_CHANNEL}`);
      if (this.client !== client) return;
      // Whatever changed while no one listened is unknown: start empty.
      this.forget();
      this.isListening = true;
    } catch {
      lost();
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    this.forget();
    await client?.end().catch(() => {});
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
    this.isListening = false;
    this.generation++;
    this.entries.clear();
  }
}

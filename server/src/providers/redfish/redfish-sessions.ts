/**
 * Logged-in Redfish clients kept per BMC and user, so that a workflow's calls share one session
 * instead of each reading the service root, logging in and out (three round trips of every call
 * before). A BMC offers few session slots, so a session idle for `sessionIdleMs` is logged out, and
 * one older than `sessionMaxAgeMs` is replaced. An expired session costs nothing extra: the client
 * logs in again on a 401. A client that fails while leased is retired (logged out once its last
 * user is done), and what was remembered of the machine's system is forgotten with it, so the next
 * call discovers everything afresh.
 */
import { createHash } from 'node:crypto';
import type { RedfishClient, RedfishEndpoint } from './redfish-client.ts';

export type RedfishSessionOptions = {
  /** How long an unused session is kept for the next call to the same BMC; 0 logs out after every connection. */
  sessionIdleMs?: number;
  /** A session in use for this long is replaced by a fresh login at the next call. */
  sessionMaxAgeMs?: number;
  /** How long a machine's system path and Reset action are taken from the last connection instead of asked again. */
  systemCacheMs?: number;
};

/** What the BMC said about one machine's system. `reset` is filled by the first power action. */
export type SystemMemo = { path: string; reset: { target: string; allowed: string[] | null } | null };

export type SessionLease = {
  client: RedfishClient;
  /** What an earlier connection learned about this system, if it is recent. */
  system(key: string): SystemMemo | null;
  remember(key: string, memo: SystemMemo): void;
  /** Hands the session back (never throws); retires it when a request on it failed. */
  release(): Promise<void>;
};

type Entry = {
  key: string;
  client: Promise<RedfishClient>;
  users: number;
  createdAt: number;
  lastUsedAt: number;
  isRetired: boolean;
  isClosed: boolean;
  systems: Map<string, SystemMemo & { expiresAt: number }>;
};

const DEFAULT_IDLE_MS = 60_000;
const DEFAULT_MAX_AGE_MS = 15 * 60_000;
const DEFAULT_SYSTEM_CACHE_MS = 60_000;

export class RedfishSessions {
  private readonly open: (endpoint: RedfishEndpoint, signal: AbortSignal) => Promise<RedfishClient>;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly systemCacheMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(open: (endpoint: RedfishEndpoint, signal: AbortSignal) => Promise<RedfishClient>, options: RedfishSessionOptions = {}) {
    this.open = open;
    this.idleMs = options.sessionIdleMs ?? DEFAULT_IDLE_MS;
    this.maxAgeMs = options.sessionMaxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.systemCacheMs = options.systemCacheMs ?? DEFAULT_SYSTEM_CACHE_MS;
  }

  async lease(endpoint: RedfishEndpoint, signal: AbortSignal): Promise<SessionLease> {
    const key = keyOf(endpoint);
    let entry = this.entries.get(key);
    if (entry && Date.now() - entry.createdAt > this.maxAgeMs) {
      void this.retire(entry);
      entry = undefined;
    }
    if (!entry) {
      const created: Entry = {
        key,
        client: this.open(endpoint, signal),
        users: 0,
        createdAt: Date.now(),
        lastUsedAt: Date.now(),
        isRetired: this.idleMs <= 0,
        isClosed: false,
        systems: new Map(),
      };
      // A failed login is not kept: the next call tries again (and its callers all see this error).
      created.client.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      if (!created.isRetired) this.entries.set(key, created);
      entry = created;
    }
    const leased = entry;
    leased.users++;
    let client: RedfishClient;
    try {
      client = await leased.client;
    } catch (error) {
      leased.users--;
      throw error;
    }
    const failuresBefore = client.failures;
    let isReleased = false;
    return {
      client,
      system: (memoKey) => {
        const memo = leased.systems.get(memoKey);
        if (!memo || memo.expiresAt < Date.now()) return null;
        return memo;
      },
      remember: (memoKey, memo) => {
        if (this.systemCacheMs > 0) leased.systems.set(memoKey, Object.assign(memo, { expiresAt: Date.now() + this.systemCacheMs }));
      },
      release: async () => {
        if (isReleased) return;
        isReleased = true;
        leased.users--;
        leased.lastUsedAt = Date.now();
        if (client.failures > failuresBefore) leased.isRetired = true;
        if (leased.isRetired) await this.retire(leased);
        else this.sweepLater();
      },
    };
  }

  /** Logs out of every kept session (shutdown); sessions in use are logged out when handed back. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.all([...this.entries.values()].map((entry) => this.retire(entry)));
    await Promise.all(this.closing);
  }

  /** Takes the session out of use; it is logged out now, or when its last user hands it back. */
  private async retire(entry: Entry): Promise<void> {
    entry.isRetired = true;
    entry.systems.clear();
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.users > 0 || entry.isClosed) return;
    entry.isClosed = true;
    const closing = entry.client.then(
      (client) => client.close(),
      () => {},
    );
    this.closing.add(closing);
    await closing;
    this.closing.delete(closing);
  }

  private sweepLater() {
    if (this.sweeper) return;
    // Unreferenced: a kept session never holds the process open.
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(this.idleMs, 30_000)));
    this.sweeper.unref();
  }

  private sweep() {
    const now = Date.now();
    for (const entry of [...this.entries.values()])
      if (entry.users === 0 && (now - entry.lastUsedAt > this.idleMs || now - entry.createdAt > this.maxAgeMs)) void this.retire(entry);
    if (this.entries.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}

/** One session per BMC, user, password and TLS trust; the key holds a digest, never the password. */
function keyOf(endpoint: RedfishEndpoint): string {
  return createHash('sha256')
    .update(JSON.stringify([endpoint.url, endpoint.username, endpoint.password, endpoint.caPem, endpoint.isInsecure]))
    .digest('base64url');
}

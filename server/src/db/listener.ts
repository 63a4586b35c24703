import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Where this process's fences travel (see ChangeListener.fence). */
export const FENCE_CHANNEL = 'surplus_fence';

/** How long a fence may take before the caller gives up and reads PostgreSQL instead. */
const FENCE_TIMEOUT_MS = 2000;

/**
 * One connection per process that LISTENs on the channels the in-process caches depend on
 * (decision 0007): the caches subscribe to their channel and are told when the connection comes or
 * goes, since whatever changed while nobody listened is unknown. Lost connections are retried every
 * second. Without a URL (unit and most medium tests) nothing listens and the caches stay off.
 */
export class ChangeListener {
  private readonly url: string | null;
  private readonly channels = new Map<string, ((payload: string) => void)[]>();
  private readonly resets: (() => void)[] = [];
  private readonly fences = new Map<string, (hasArrived: boolean) => void>();
  /** Tells this process's fences from other processes' on the shared channel. */
  private readonly fencePrefix = `${randomUUID()}:`;
  private fenceCount = 0;
  /** Sends a notification through another connection (the pool), for fences. */
  private readonly send: (channel: string, payload: string) => Promise<unknown>;
  /** Write requests this process has answered, and how many of them a finished fence covers. */
  private writes = 0;
  private fencedWrites = 0;
  private pendingFence: { writes: number; done: Promise<boolean> } | null = null;
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private isClosed = false;
  /** Whether LISTEN holds: the caches serve nothing without it. */
  isListening = false;

  constructor(url: string | null, send: (channel: string, payload: string) => Promise<unknown> = async () => {}) {
    this.url = url;
    this.send = send;
  }

  /** Calls `onNotification` with each payload on `channel`. Subscribe before start(). */
  subscribe(channel: string, onNotification: (payload: string) => void) {
    this.channels.set(channel, [...(this.channels.get(channel) ?? []), onNotification]);
  }

  /** Calls `onReset` when the connection is lost and again when LISTEN holds after (re)connecting. */
  onReset(onReset: () => void) {
    this.resets.push(onReset);
  }

  /** Connects and LISTENs; on failure keeps retrying in the background. Without a URL it does nothing. */
  async start(): Promise<void> {
    if (!this.url || this.isClosed) return;
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.reset(false);
      client.end().catch(() => {});
      if (!this.isClosed) this.retry = setTimeout(() => void this.start(), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.handle(message.channel, message.payload ?? ''));
    try {
      await client.connect();
      for (const channel of [...this.channels.keys(), FENCE_CHANNEL]) await client.query(`listen ${channel}`);
      if (this.client !== client) return;
      // Whatever changed while no one listened is unknown: the caches start empty.
      this.reset(true);
    } catch {
      lost();
    }
  }

  /** A notification that arrived on the LISTEN connection: to its subscriber, or to the fence waiting for it. */
  handle(channel: string, payload: string) {
    if (channel === FENCE_CHANNEL) this.fences.get(payload)?.(true);
    else for (const onNotification of this.channels.get(channel) ?? []) onNotification(payload);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    this.reset(false);
    await client?.end().catch(() => {});
  }

  /** A write request is about to be answered: what it changed must be seen by the reads after it (catchUp). */
  noteWrite() {
    this.writes++;
  }

  /**
   * Read-your-writes for the caches: a notification reaches this connection a little after its
   * commit, while a client that wrote through this process may read at once. Resolves true when the
   * notifications of every write answered so far have been handed to their subscribers (at once if
   * there were none since the last fence), false when that cannot be known (then read PostgreSQL).
   * Concurrent readers share one fence.
   */
  async catchUp(): Promise<boolean> {
    if (!this.isListening) return false;
    if (this.fencedWrites >= this.writes) return true;
    const writes = this.writes;
    let fence = this.pendingFence;
    if (!fence || fence.writes < writes) {
      const started = { writes, done: this.fence() };
      this.pendingFence = started;
      fence = started;
      void started.done.then((hasArrived) => {
        if (hasArrived) this.fencedWrites = Math.max(this.fencedWrites, started.writes);
        if (this.pendingFence === started) this.pendingFence = null;
      });
    }
    return fence.done;
  }

  /**
   * Resolves true once every notification committed before this call has been handed to its
   * subscriber. It sends a notification of its own through `send` (another connection) and waits
   * for it here: PostgreSQL delivers notifications in commit order, so when it arrives, all earlier
   * ones have. False when nothing listens or it takes over two seconds.
   */
  private async fence(): Promise<boolean> {
    if (!this.isListening) return false;
    const payload = `${this.fencePrefix}${++this.fenceCount}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.fences.set(payload, resolve);
      timer = setTimeout(() => resolve(false), FENCE_TIMEOUT_MS);
    });
    try {
      await this.send(FENCE_CHANNEL, payload);
      return await arrived;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.fences.delete(payload);
    }
  }

  private reset(isListening: boolean) {
    this.isListening = isListening;
    for (const onReset of this.resets) onReset();
    if (!isListening) for (const resolve of this.fences.values()) resolve(false);
  }
}

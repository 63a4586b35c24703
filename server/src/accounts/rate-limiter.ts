import { isIPv6 } from 'node:net';

const SWEEP_FLOOR = 100_000;

/**
 * Fixed-window attempt counter kept in memory. It runs before any password hashing, so a flood of
 * guesses costs us a map lookup, not an argon2 hash. Several instances each count on their own, which
 * only multiplies the allowance by the instance count.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  // Sweeping walks the whole table: do it only when the table has doubled since the last sweep, so
  // a table full of live windows costs amortized constant time per hit, not a walk per hit.
  private sweepAbove = SWEEP_FLOOR;

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Counts one attempt; returns the seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > this.sweepAbove) this.sweep(now);
    }
    window.count++;
    return window.count > this.limit ? Math.ceil((window.startedAt + this.windowMs - now) / 1000) : 0;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  /** How many keys are being counted: memory use, for tests and metrics. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number) {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(key);
    }
    this.sweepAbove = Math.max(SWEEP_FLOOR, this.windows.size * 2);
  }
}

/**
 * The key to count a client address under. One IPv6 subscriber usually holds a whole /64, so
 * counting single IPv6 addresses would give one client 2^64 allowances.
 */
export function addressKey(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!isIPv6(plain)) return plain;
  const [head = '', tail = ''] = plain.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part ("64:ff9b::192.0.2.1") fills two groups.
  const width = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const missing = 8 - width(headGroups) - width(tailGroups);
  const groups = plain.includes('::') ? [...headGroups, ...Array(missing).fill('0'), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

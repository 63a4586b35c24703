import type { ChangeListener } from './listener.ts';

/**
 * One value read from PostgreSQL (the catalog, say) and kept in the process until a notification
 * on one of its channels says what it was read from changed: the machinery of PageCache (decision
 * 0007, second revision) for a value that is the same for everyone. Without a listening connection
 * every read loads afresh; a read after a write answered here waits for the fence first.
 */
export class CachedValue<T> {
  private readonly listener: ChangeListener | null;
  private value: T | undefined;
  /** Moves on every notification and connection change; a load made across one is not kept. */
  private generation = 0;

  constructor(listener: ChangeListener | null, channels: string[]) {
    this.listener = listener;
    for (const channel of channels) listener?.subscribe(channel, () => this.forget());
    listener?.onReset(() => this.forget());
  }

  /** Whether a value is held now (for tests). */
  get isHeld(): boolean {
    return this.value !== undefined;
  }

  async read(load: () => Promise<T>): Promise<T> {
    if (!this.listener || !(await this.listener.catchUp())) return load();
    if (this.value !== undefined) return this.value;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && this.listener.isListening) this.value = value;
    return value;
  }

  private forget() {
    this.generation++;
    this.value = undefined;
  }
}

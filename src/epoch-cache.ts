/**
 * A bounded cache whose entries hold only while a write epoch
 * (Database.writeEpoch) stays where it was when they were read: with no
 * tables named, any write through this process makes every entry stale;
 * with tables named (token owners, webhook destinations), any write to one
 * of them. Coarse, but it cannot serve something a write has changed, which
 * is what the look-ups and the query results cached with it need. Entries also expire
 * after MAX_AGE_MS, which bounds what this process cannot see: a write made
 * outside it (another instance on the same database without Redis, or SQL
 * typed by hand).
 */
/** The longest an entry is served, whatever the write epoch says. */
export const MAX_AGE_MS = 5_000;

export class EpochCache<K, V> {
  private readonly entries = new Map<K, { epoch: number; value: V; readAt: number }>();

  constructor(
    private readonly epoch: () => number,
    private readonly maxEntries: number,
  ) {}

  /** The epoch to pass to `set` for a value about to be read from the database. */
  now(): number {
    return this.epoch();
  }

  /** The value stored for `key`, if nothing was written since it was read. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.epoch !== this.epoch() || Date.now() - entry.readAt > MAX_AGE_MS) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used last, so that eviction takes the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value`, read at `epoch`; ignored if a write has happened since. */
  set(key: K, value: V, epoch: number): void {
    if (this.maxEntries <= 0 || epoch !== this.epoch()) return;
    this.entries.delete(key);
    this.entries.set(key, { epoch, value, readAt: Date.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }
}

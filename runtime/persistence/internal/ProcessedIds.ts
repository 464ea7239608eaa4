/**
 * @internal The ids of the messages an actor processed, newest `limit` kept (oldest dropped
 * first), for dedupe: a message seen again is skipped, not redone. `limit` 0 remembers none.
 */
export class ProcessedIds {
  readonly #limit: number;
  readonly #order: string[] = [];
  readonly #set = new Set<string>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** True when `id` is remembered. */
  has(id: string): boolean {
    return this.#set.has(id);
  }

  /** Remembers `id` (once), dropping the oldest beyond the limit. */
  remember(id: string): void {
    if (this.#limit === 0 || this.#set.has(id)) return;
    this.#order.push(id);
    this.#set.add(id);
    if (this.#order.length > this.#limit) {
      const dropped = this.#order.shift();
      if (dropped !== undefined) this.#set.delete(dropped);
    }
  }

  /** The remembered ids, oldest first (a checkpoint's `processedIds`). */
  toArray(): string[] {
    return [...this.#order];
  }
}

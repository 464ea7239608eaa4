/**
 * @internal The ids of the messages an actor processed, newest `limit` kept (oldest dropped
 * first), for dedupe: a message seen again is skipped, not redone. `limit` 0 remembers none.
 * An id may be marked `unhandled` (the machine had no transition for it): a retry of it is
 * answered with that first outcome, not as a processed duplicate.
 */
export class ProcessedIds {
  readonly #limit: number;
  readonly #order: string[] = [];
  readonly #set = new Set<string>();
  readonly #unhandled = new Set<string>();

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
      if (dropped !== undefined) {
        this.#set.delete(dropped);
        this.#unhandled.delete(dropped);
      }
    }
  }

  /** Marks a remembered `id` as refused unhandled (ignored when it is not remembered). */
  markUnhandled(id: string): void {
    if (this.#set.has(id)) this.#unhandled.add(id);
  }

  /** True when `id` is remembered and was refused unhandled. */
  wasUnhandled(id: string): boolean {
    return this.#unhandled.has(id);
  }

  /** The remembered ids refused unhandled, oldest first (a checkpoint's `unhandledIds`). */
  unhandledArray(): string[] {
    return this.#order.filter((id) => this.#unhandled.has(id));
  }

  /** The remembered ids, oldest first (a checkpoint's `processedIds`). */
  toArray(): string[] {
    return [...this.#order];
  }
}

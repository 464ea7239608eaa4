import type { Envelope } from '../codec/index.js';

/**
 * What a full mailbox does with one message too many. Either way the victim goes to dead letters
 * (reason `mailbox-full`) and an `ask` among them is answered with ERR_MAILBOX_FULL.
 * - `drop-newest`: refuse the arriving message (back-pressure on the sender);
 * - `drop-oldest`: evict the oldest queued message to make room.
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

/**
 * A bounded FIFO of envelopes: an array with a moving head, compacted when the dead prefix grows,
 * so enqueue and dequeue are O(1) amortised without a per-message allocation.
 */
export class Mailbox {
  #items: (Envelope | undefined)[] = [];
  #head = 0;

  /** `onResize` is told of each change in size (+1, -1): the mailbox depth gauge. */
  constructor(
    readonly capacity: number,
    readonly onResize?: (delta: number) => void,
  ) {}

  get size(): number {
    return this.#items.length - this.#head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  push(envelope: Envelope): void {
    this.#items.push(envelope);
    this.onResize?.(1);
  }

  shift(): Envelope | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    this.onResize?.(-1);
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns everything queued, oldest first. */
  takeAll(): Envelope[] {
    const out: Envelope[] = [];
    for (let e = this.shift(); e !== undefined; e = this.shift()) out.push(e);
    return out;
  }
}

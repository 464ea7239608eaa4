const noop = (): void => undefined;

/**
 * @internal Runs tasks one at a time per key, in call order (a promise chain per key), so two
 * writes to one actor never interleave inside this process. Keys are forgotten when idle.
 */
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` after every task queued before it under `key`; settles as `task` does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // A tail never rejects: a failed task must not poison the ones queued behind it.
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(noop, noop);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}

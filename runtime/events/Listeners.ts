import { scheduleMacrotask } from '../clock/index.js';
import { disposable, type Disposable } from './Disposable.js';

/**
 * The listeners of one event (`onRetry`, `onStateChange`, …). One rule for a listener that
 * throws: it does not stop the others or the operation that emitted, and its error is reported,
 * never swallowed (STYLE §4) — to `onListenerError` when the owner has somewhere to report it (a
 * component with a logger logs it), else rethrown on a new macrotask, where the process's
 * uncaught-exception handling sees it.
 */
export class Listeners<TEvent> {
  readonly #listeners = new Set<(event: TEvent) => unknown>();
  readonly #onListenerError: ((error: unknown, event: TEvent) => void) | undefined;

  constructor(options: { onListenerError?: (error: unknown, event: TEvent) => void } = {}) {
    this.#onListenerError = options.onListenerError;
  }

  /**
   * Adds a listener; dispose the result to remove it. A listener may be async: {@link emitAsync}
   * awaits it, {@link emit} does not, but reports its rejection all the same.
   */
  add(listener: (event: TEvent) => unknown): Disposable {
    // A wrapper per registration: the same function added twice is called twice.
    const entry = (event: TEvent): unknown => listener(event);
    this.#listeners.add(entry);
    return disposable(() => {
      this.#listeners.delete(entry);
    });
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Removes every listener (the owner stops: nothing it emits later reaches them). */
  clear(): void {
    this.#listeners.clear();
  }

  /** Calls every listener with `event`, in the order they were added; none waits for another. */
  emit(event: TEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => {
            this.#report(err, event);
          });
        }
      } catch (err) {
        this.#report(err, event);
      }
    }
  }

  /**
   * Calls the listeners one after another, awaiting each: for events whose listeners must be done
   * before the owner goes on (a mailbox shard changing hands). A listener that throws or rejects
   * is reported as with {@link emit}, and the next one still runs.
   */
  async emitAsync(event: TEvent): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        await listener(event);
      } catch (err) {
        this.#report(err, event);
      }
    }
  }

  #report(err: unknown, event: TEvent): void {
    if (this.#onListenerError !== undefined) {
      try {
        this.#onListenerError(err, event);
        return;
      } catch {
        // The reporter failed too: fall back to the macrotask, so neither error is lost.
      }
    }
    scheduleMacrotask(() => {
      throw err;
    });
  }
}

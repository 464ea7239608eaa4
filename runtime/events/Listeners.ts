import { scheduleMacrotask } from '../clock/index.js';
import { disposable, type Disposable } from './Disposable.js';

/**
 * The listeners of one event (`onRetry`, `onStateChange`, …). A listener that throws does not
 * stop the others or the operation that emitted: its error is rethrown on a new macrotask, where
 * the process's uncaught-exception handling sees it (STYLE §4: never swallowed).
 */
export class Listeners<TEvent> {
  readonly #listeners = new Set<(event: TEvent) => void>();

  /** Adds a listener; dispose the result to remove it. */
  add(listener: (event: TEvent) => void): Disposable {
    // A wrapper per registration: the same function added twice is called twice.
    const entry = (event: TEvent): void => {
      listener(event);
    };
    this.#listeners.add(entry);
    return disposable(() => {
      this.#listeners.delete(entry);
    });
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  emit(event: TEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        scheduleMacrotask(() => {
          throw err;
        });
      }
    }
  }
}

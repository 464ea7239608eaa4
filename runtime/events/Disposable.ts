/**
 * Releases what it was returned for (a subscription, a listener, a timer). Calling it twice is
 * harmless. It is also the platform's `Disposable` (`Symbol.dispose`), so callers can write
 * `using sub = transport.subscribe(...)`.
 */
export interface Disposable {
  dispose(): void;
  [Symbol.dispose](): void;
}

/** A {@link Disposable} that runs `release` once, on the first `dispose()` (or `using` exit). */
export function disposable(release: () => void): Disposable {
  let released = false;
  const dispose = (): void => {
    if (released) return;
    released = true;
    release();
  };
  return { dispose, [Symbol.dispose]: dispose };
}

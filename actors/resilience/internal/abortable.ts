/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts: a client or tool that
 * ignores its signal cannot hold an attempt (and the pipeline's timers) open past a timeout or a
 * stop. A late outcome of `promise` is dropped quietly.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

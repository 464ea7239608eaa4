import { disposable, type Disposable } from '../../events/index.js';
import { neverAborted } from './signals.js';

/** A signal that follows several others, and the means to stop following them. */
export interface LinkedSignal extends Disposable {
  readonly signal: AbortSignal;
  /** Stops following the source signals (again: nothing). */
  dispose(): void;
}

/**
 * A signal aborted, with the same reason, as soon as any of `signals` is (already aborted when
 * one already is). Unlike `AbortSignal.any`, the listeners are removed on `dispose`, so a
 * long-lived caller signal does not collect one listener per call.
 */
export function linkSignals(...signals: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined && s !== neverAborted);
  // One signal (or the same one twice) is followed by itself: no controller, no listener. This
  // is every call without a caller signal, and an AbortController per level was most of the
  // pipeline's cost per call (bench/peers.ts).
  const only = present[0];
  if (only === undefined) return followed(neverAborted);
  if (present.every((s) => s === only)) return followed(only);
  const controller = new AbortController();
  const dispose = (): void => {
    for (const s of present) s.removeEventListener('abort', onAbort);
  };
  function onAbort(event: Event): void {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  }
  const first = present.find((s) => s.aborted);
  if (first === undefined) {
    for (const s of present) s.addEventListener('abort', onAbort, { once: true });
  } else {
    controller.abort(first.reason);
  }
  return { signal: controller.signal, ...disposable(dispose) };
}

/** A signal followed as it is: nothing to undo. */
function followed(signal: AbortSignal): LinkedSignal {
  return { signal, ...disposable(() => undefined) };
}

import { z } from 'zod';
import { systemClock, type Clock, type TimerHandle } from '../clock/index.js';
import { ErrorCode, parseOptions, RuntimeError } from '../errors/index.js';

/** Options of {@link createIdleTimeout}. */
export const IdleTimeoutOptionsSchema = z.strictObject({
  /** Longest gap between two pieces of progress, in ms. @default 20_000 */
  idleMs: z.number().positive().default(20_000),
  /** `details.level` of the ERR_TIMEOUT. @default 'idle' */
  level: z.string().min(1).max(64).default('idle'),
});
/** What callers pass to {@link createIdleTimeout}. */
export type IdleTimeoutOptions = z.input<typeof IdleTimeoutOptionsSchema>;

/**
 * A timeout that starts over on each sign of progress: a streamed token, a tool's progress
 * report. LangGraph's `idleTimeout`, Temporal's heartbeat timeout: a long answer that keeps
 * streaming is not cut, a stalled one is detected in `idleMs`.
 */
export interface IdleTimeout extends Disposable {
  /** Aborted with ERR_TIMEOUT (`details.level`, `details.idleMs`) after `idleMs` with no progress. */
  readonly signal: AbortSignal;
  /** Records progress: the idle period starts over. Cheap enough to call on every token. */
  touch(): void;
  /** Clears the timer; the signal is left as it is. */
  dispose(): void;
}

/**
 * Creates an {@link IdleTimeout}, already running: the wait for the first progress counts too.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when `idleMs` is not positive.
 * @example
 * using idle = createIdleTimeout({ idleMs: 20_000 }, { clock });
 * const signal = AbortSignal.any([call.signal(), idle.signal]);
 * for await (const token of stream(signal)) idle.touch();
 */
export function createIdleTimeout(
  options: IdleTimeoutOptions = {},
  deps: { clock?: Clock } = {},
): IdleTimeout {
  const { idleMs, level } = parseOptions(IdleTimeoutOptionsSchema, options, 'idle timeout');
  const clock = deps.clock ?? systemClock;
  const controller = new AbortController();
  let lastProgress = clock.monotonic();
  let timer: TimerHandle = undefined;

  // One timer per idle period, not one per touch: on firing it checks when progress was last
  // seen and re-arms for the rest of the period, so touch() is a field write.
  const check = (): void => {
    timer = undefined;
    const idleFor = clock.monotonic() - lastProgress;
    if (idleFor >= idleMs) {
      controller.abort(
        new RuntimeError(ErrorCode.Timeout, `No progress for ${idleMs} ms`, {
          details: { level, idleMs, timeoutMs: idleMs, failureClass: 'transient' },
        }),
      );
      return;
    }
    timer = clock.setTimeout(check, idleMs - idleFor);
  };
  timer = clock.setTimeout(check, idleMs);

  const dispose = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  return {
    signal: controller.signal,
    touch() {
      lastProgress = clock.monotonic();
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

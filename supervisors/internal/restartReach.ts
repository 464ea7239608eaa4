import type { Strategy } from '../failureClasses.js';

/** Which children a restart of one child touches, per strategy. */
export interface RestartReach<TChild> {
  /** Siblings to stop before the restart, in stop order (reverse start order). */
  readonly stop: readonly TChild[];
  /** Children to start again, in start order (the failed child and non-temporary siblings). */
  readonly targets: readonly TChild[];
  /** Temporary siblings taken down with it: OTP never restarts them, their specs go away. */
  readonly dropped: readonly TChild[];
}

/**
 * The reach of a restart of `child`, a pure function of the strategy: one-for-one
 * (and dynamic) the child alone; one-for-all every child; rest-for-one the child and those
 * started after it. `isTemporary` tells which siblings are dropped instead of restarted.
 */
export function restartReach<TChild>(
  strategy: Strategy,
  children: readonly TChild[],
  child: TChild,
  isTemporary: (child: TChild) => boolean,
): RestartReach<TChild> {
  const index = children.indexOf(child);
  const reach =
    strategy === 'one-for-all'
      ? [...children]
      : strategy === 'rest-for-one'
        ? children.slice(index)
        : [child];
  return {
    stop: [...reach].reverse().filter((c) => c !== child),
    targets: reach.filter((c) => c === child || !isTemporary(c)),
    dropped: reach.filter((c) => c !== child && isTemporary(c)),
  };
}

import type { AnyActor } from 'xstate';

/*
 * The one place that reaches into XState's internals (`_actorScope.actionExecutor`, the shape of
 * an executable action). XState does not promise these: RE-CHECK THIS FILE ON EVERY XSTATE
 * UPGRADE (read `Actor` and `executeAction` in node_modules/xstate/dist, and run
 * test/runtime/system and test/actors). Checked against xstate 5.33.3.
 *
 * What it relies on: `actor._actorScope.actionExecutor(action)` runs every action the actor
 * executes, with `action.type` (`xstate.*` for built-ins) and `action.exec(info, params)` the
 * function that runs it. When either is missing the patch does nothing (async action errors are
 * then unhandled rejections again, which the tests of this file catch).
 */

/** An action as XState's executor receives it (internal shape). */
interface ExecutableAction {
  type: string;
  exec?: ((info: unknown, params: unknown) => unknown) | undefined;
}

/** The part of an actor's internal scope this patch uses. */
interface ActorScopeInternals {
  actionExecutor?: (action: ExecutableAction) => void;
}

/**
 * XState ignores the promise an `async` action returns, so its rejection would be unhandled
 * (fatal on Node 20). Every action `actor` executes goes through its scope's executor: wrap it
 * so a returned promise that rejects calls `onRejected` (the cell fails the actor) instead.
 * Call before `actor.start()`.
 */
export function captureAsyncActionErrors(
  actor: AnyActor,
  onRejected: (error: unknown) => void,
): void {
  const scope = (actor as unknown as { _actorScope?: ActorScopeInternals })._actorScope;
  const original = scope?.actionExecutor;
  if (scope === undefined || original === undefined) return;
  scope.actionExecutor = (action: ExecutableAction) => {
    const exec = action.exec;
    // XState's built-in actions (types `xstate.*`: assign, emit, sendTo, raise…) never return a
    // promise; only user functions can. Wrapping those alone keeps the hot path allocation-free.
    if (exec !== undefined && !action.type.startsWith('xstate.')) {
      action.exec = (info, params) => {
        const result = exec(info, params);
        if (isPromiseLike(result)) result.then(undefined, onRejected);
        return result;
      };
    }
    original(action);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { StopReason } from '../Lifecycle.js';

/** The errors a cell answers asks with when it cannot deliver or its incarnation ends. */

/** The machine had no transition for a message in its current state. */
export function unhandledError(actor: string, type: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.Unhandled,
    `${actor} has no transition for ${type} in its current state`,
    { details: { actor, type } },
  );
}

/** The incarnation failed with `cause`. */
export function actorFailedError(actor: string, cause: unknown): RuntimeError {
  return new RuntimeError(ErrorCode.ActorFailed, `${actor} failed`, {
    cause,
    details: { actor },
  });
}

/** The machine reached a final state with asks still owed. */
export function finishedError(actor: string): RuntimeError {
  return new RuntimeError(ErrorCode.ActorStopped, `${actor} finished before answering`, {
    details: { actor },
  });
}

/** The incarnation was stopped. */
export function stoppedError(actor: string, reason: StopReason): RuntimeError {
  return new RuntimeError(ErrorCode.ActorStopped, `${actor} stopped (${reason})`, {
    details: { actor, reason },
  });
}

/** A durable-only operation on an actor that is not durable. */
export function notDurableError(actor: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `${actor} is not durable (spawn it with spawnDurable)`,
    { details: { actor } },
  );
}

import { ErrorCode, RuntimeError } from '../../errors/index.js';

/** The error for a name no actor is hosted under (ERR_ACTOR_NOT_FOUND). */
export function actorNotFound(name: string): RuntimeError {
  return new RuntimeError(ErrorCode.ActorNotFound, `No actor named ${name}`, {
    details: { name },
  });
}

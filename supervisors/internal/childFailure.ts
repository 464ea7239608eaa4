import { ErrorCode, RuntimeError, isRuntimeError } from 'agentvisor/internal';
import { decideDirective } from '../classifyFailure.js';
import type { Directive, FailureClass } from '../failureClasses.js';
import type { SupervisorSpec } from '../policy/index.js';

/**
 * The class and directive for a child's failure. A child refused as a stale writer (another
 * owner moved its journal or checkpoint) is never restarted in place: a restart would contend
 * with the owner. Whoever placed the subtree decides (a ClusterNode whose placement is still its
 * own starts it again).
 */
export function childFailureDirective(
  error: unknown,
  poison: boolean,
  classify: (error: unknown) => FailureClass,
  onFailure: SupervisorSpec['onFailure'],
): { failureClass: FailureClass; directive: Directive } {
  const failureClass: FailureClass = poison ? 'poison' : classify(error);
  const directive = isRuntimeError(error, ErrorCode.PersistenceConflict)
    ? 'stop'
    : decideDirective(onFailure, failureClass);
  return { failureClass, directive };
}

/** The error a supervisor fails with when a child's failure class says `escalate`. */
export function escalatedError(
  supervisor: string,
  child: string,
  failureClass: FailureClass,
  cause: unknown,
): RuntimeError {
  return new RuntimeError(
    ErrorCode.RestartIntensity,
    `${supervisor} escalates the failure of ${child}`,
    { cause, details: { supervisor, child, failureClass, escalated: true } },
  );
}

/** The error a supervisor fails with when its restart intensity is exceeded. */
export function intensityError(
  supervisor: string,
  child: string,
  spec: Pick<SupervisorSpec, 'intensity' | 'periodMs'>,
  failureClass: FailureClass | undefined,
  cause: unknown,
): RuntimeError {
  return new RuntimeError(
    ErrorCode.RestartIntensity,
    `${supervisor} gave up: more than ${spec.intensity} restarts within ${spec.periodMs} ms`,
    {
      cause,
      details: {
        supervisor,
        child,
        intensity: spec.intensity,
        periodMs: spec.periodMs,
        ...(failureClass === undefined ? {} : { failureClass }),
      },
    },
  );
}

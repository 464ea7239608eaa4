import { ErrorCode, RuntimeError } from 'agentvisor/internal';

// The errors of a supervisor's OTP API, one place for their codes and details.

/** ERR_CHILD_NOT_FOUND: the supervisor has no child `child`. */
export function childNotFound(supervisor: string, child: string): RuntimeError {
  return new RuntimeError(ErrorCode.ChildNotFound, `${supervisor} has no child ${child}`, {
    details: { supervisor, child },
  });
}

/** ERR_CHILD_CONFLICT: the id is already taken. */
export function childIdTaken(supervisor: string, child: string): RuntimeError {
  return new RuntimeError(ErrorCode.ChildConflict, `${supervisor} already has a child ${child}`, {
    details: { supervisor, child },
  });
}

/** ERR_CHILD_CONFLICT: the operation needs a terminated child; `what` says what it would do. */
export function notTerminated(child: string, status: string, what: string): RuntimeError {
  return new RuntimeError(ErrorCode.ChildConflict, `${child} is ${status}; ${what}`, {
    details: { child, status },
  });
}

/** ERR_CHILD_CONFLICT: OTP simple_one_for_one refuses restart_child and delete_child. */
export function notOnDynamic(supervisor: string, operation: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.ChildConflict,
    `${operation} is not available on a dynamic supervisor (OTP simple_one_for_one)`,
    { details: { supervisor, operation } },
  );
}

/** ERR_CLOSED: the supervisor does not run. */
export function notRunning(supervisor: string, status: string): RuntimeError {
  return new RuntimeError(ErrorCode.Closed, `${supervisor} is ${status}`, {
    details: { supervisor },
  });
}

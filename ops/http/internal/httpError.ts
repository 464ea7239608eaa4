import { ErrorCode, RuntimeError, isRuntimeError, messageOf } from 'agentvisor/internal';

/** The JSON body of every console error: a stable code, a sentence, and the bad field's path. */
export interface ConsoleErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly path?: string };
}

/** HTTP status of each `ERR_*` code the console answers with; anything else is a 500. */
const STATUS: Readonly<Partial<Record<string, number>>> = {
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.ActorNotFound]: 404,
  [ErrorCode.ChildNotFound]: 404,
  [ErrorCode.EscalationNotFound]: 404,
  [ErrorCode.RouteNotFound]: 404,
  [ErrorCode.EscalationClosed]: 409,
  [ErrorCode.ChildConflict]: 409,
  [ErrorCode.BodyTooLarge]: 413,
  [ErrorCode.JournalRange]: 416,
  [ErrorCode.InvalidDecision]: 400,
  [ErrorCode.InvalidOptions]: 400,
  [ErrorCode.InvalidMessage]: 400,
  [ErrorCode.UnknownAgent]: 400,
};

/** A console failure as its status and body: RuntimeErrors keep their code, the rest are 500s. */
export function toHttpError(error: unknown): { status: number; body: ConsoleErrorBody } {
  if (!isRuntimeError(error)) {
    return {
      status: 500,
      body: { error: { code: ErrorCode.Unknown, message: messageOf(error) } },
    };
  }
  const path = firstIssuePath(error);
  return {
    status: STATUS[error.code] ?? 500,
    body: {
      error: { code: error.code, message: error.message, ...(path === undefined ? {} : { path }) },
    },
  };
}

/** A request error with `code` and, for a bad field, its dotted `path`. */
export function requestError(code: ErrorCode, message: string, path?: string): RuntimeError {
  return new RuntimeError(code, message, {
    details: path === undefined ? {} : { issues: [{ path, message }] },
  });
}

function firstIssuePath(error: RuntimeError): string | undefined {
  const issues = error.details?.['issues'];
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const path = (issues[0] as { path?: unknown }).path;
  return typeof path === 'string' ? path : undefined;
}

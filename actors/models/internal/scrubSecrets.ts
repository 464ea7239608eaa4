import { causeChain, isRuntimeError, RuntimeError } from 'agentvisor/internal';

/** What replaces a secret in anything the client reports. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not scrubbed: they cannot be told apart from ordinary words
 * (`ollama`, a lane id `1`), and replacing those would garble every message while hiding nothing
 * worth hiding. Real API keys and gateway tokens are far longer.
 */
const MIN_SECRET_CHARS = 8;

/** Causes followed, as `toWireError` keeps them on the wire. */
const MAX_CAUSE_DEPTH = 8;

/** Values walked inside `details` before the rest is dropped (a bound on hostile nesting). */
const MAX_DETAIL_DEPTH = 8;

/** Turns an error into one that quotes none of the client's secrets. */
export type SecretScrubber = (error: unknown) => unknown;

/**
 * A scrubber for the client's own secrets: its API key and the values of the headers it sends.
 * An endpoint that echoes them (a 401 quoting `Bearer sk-…`, a proxy page listing the request
 * headers) would otherwise put them in the error, and so in an asker's reply, a journal or a log.
 *
 * Only RuntimeErrors the client made are rebuilt (message, stack, details and every cause, each
 * string with every secret replaced by `[redacted]`); an error that quotes no secret is returned
 * as it is, and so is anything else (the caller's own abort reason must stay the same object).
 */
export function createSecretScrubber(secrets: readonly (string | undefined)[]): SecretScrubber {
  const kept = [...new Set(secrets)]
    .filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_CHARS)
    // Longest first: a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (kept.length === 0) return (error) => error;
  const redact = (text: string): string =>
    kept.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const quotes = (text: string | undefined): boolean =>
    text !== undefined && kept.some((secret) => text.includes(secret));
  return (error) => {
    if (!isRuntimeError(error) || !saysAnySecret(error, quotes)) return error;
    return scrubError(error, redact, 0);
  };
}

// --- internals ---

function saysAnySecret(error: unknown, quotes: (text: string | undefined) => boolean): boolean {
  for (const e of causeChain(error, MAX_CAUSE_DEPTH)) {
    if (!(e instanceof Error)) return typeof e === 'string' && quotes(e);
    if (quotes(e.message) || quotes(e.stack)) return true;
    if (isRuntimeError(e) && anyString(e.details, quotes, 0)) return true;
  }
  return false;
}

function scrubError(error: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof error === 'string') return redact(error);
  if (!(error instanceof Error)) return error;
  const cause =
    depth < MAX_CAUSE_DEPTH && error.cause !== undefined
      ? scrubError(error.cause, redact, depth + 1)
      : undefined;
  const options = cause === undefined ? {} : { cause };
  const scrubbed = isRuntimeError(error)
    ? new RuntimeError(error.code, redact(error.message), {
        ...options,
        ...(error.details === undefined
          ? {}
          : { details: scrubValue(error.details, redact, 0) as Record<string, unknown> }),
      })
    : Object.assign(new Error(redact(error.message), options), {
        name: error.name,
        ...('code' in error ? { code: error.code } : {}),
      });
  scrubbed.stack = redact(error.stack ?? scrubbed.stack ?? '');
  return scrubbed;
}

function scrubValue(value: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DETAIL_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, redact, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, scrubValue(v, redact, depth + 1)]),
  );
}

function anyString(value: unknown, test: (text: string) => boolean, depth: number): boolean {
  if (typeof value === 'string') return test(value);
  if (typeof value !== 'object' || value === null) return false;
  // Too deep to look through: scrubValue cuts it off, so rebuilding is the safe answer.
  if (depth >= MAX_DETAIL_DEPTH) return true;
  return Object.values(value).some((v) => anyString(v, test, depth + 1));
}

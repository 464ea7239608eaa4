import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

/**
 * The runtime's structured logger: pino's, as {@link createLogger} makes it (JSON lines, secrets
 * redacted). Pass your own pino logger wherever an option takes a `Logger`.
 */
export type Logger = PinoLogger;

/**
 * Paths redacted by pino itself (fast-redact), kept for the common shapes. They reach only the
 * levels they name; {@link isSecretKey} below reaches every level of every written line.
 */
export const REDACT_PATHS = [
  'password',
  'pass',
  'token',
  'apiKey',
  'authorization',
  '*.password',
  '*.pass',
  '*.token',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
];

/** What a secret's value becomes. */
const CENSOR = '[redacted]';

/** Normalized key names (lower case, no `-`, `_`, `.`) that are secrets wherever they sit. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'pass',
  'pwd',
  'seed',
  'nkeyseed',
  'creds',
  'cookie',
  'setcookie',
  'jwt',
  'bearer',
]);

/**
 * Endings of normalized key names that make a secret: `natsPassword`, `access_token`,
 * `x-api-key`, `clientSecret`, `proxy-authorization`. `inputTokens` and `maxTokens` end in `s`
 * and stay, as do `passage` and `fcSeed`.
 */
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'credentials',
  'privatekey',
];

/** A cheap first look at a written line: no key could be a secret unless one of these occurs. */
const MAYBE_SECRET =
  /pass|pwd|seed|creds|cookie|jwt|bearer|secret|token|api[-_.]?key|authorization|credentials|private[-_.]?key/i;

/** Nesting walked in a line; anything deeper is replaced whole (it may hide a secret). */
const MAX_DEPTH = 64;

/** Values walked in a line; the rest of a larger line is replaced (bounds hostile input). */
const MAX_NODES = 20_000;

/** True when a field named `key` holds a secret, at whatever depth it sits. */
export function isSecretKey(key: string): boolean {
  const name = key.toLowerCase().replace(/[-_.\s]/g, '');
  return SECRET_KEYS.has(name) || SECRET_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level. @default process.env.AGENTVISOR_LOG_LEVEL ?? 'info' */
  level?: string;
  /** Fixed fields on every line (node, namespace). */
  base?: Record<string, unknown>;
  /** A pino destination stream; stdout when absent. */
  destination?: pino.DestinationStream;
}

/**
 * Creates the pino logger that the system passes down to actors (one child per actor).
 *
 * Every written line is redacted at every level: the value of any field whose name is a secret
 * ({@link isSecretKey}: password, token, apiKey, api_key, authorization, secret, seed, creds, …)
 * becomes `[redacted]`, in the logged object, a child's bindings and serialized errors alike.
 * The redaction runs on the line pino is about to write (`hooks.streamWrite`), so nothing that
 * reaches the line escapes it; nesting deeper than 64 levels is replaced whole.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['AGENTVISOR_LOG_LEVEL'] ?? 'info',
    base: options.base ?? null,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    hooks: { streamWrite: redactLine },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing: the default of embedded systems that were given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

// --- internals ---

/** Redacts one written JSON line (pino writes one object and a newline per call). */
function redactLine(line: string): string {
  if (!MAYBE_SECRET.test(line)) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // Not pino's JSON (a custom serializer wrote something else): nothing can be told apart.
    return `${JSON.stringify({ msg: 'log line withheld: not JSON, could not redact' })}\n`;
  }
  const budget = { nodes: MAX_NODES };
  return `${JSON.stringify(redactValue(parsed, 0, budget))}\n`;
}

function redactValue(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (--budget.nodes < 0) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, budget));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? CENSOR : redactValue(v, depth + 1, budget);
  }
  return out;
}

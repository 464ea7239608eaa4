import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  ErrorCode,
  RuntimeError,
  describeYamlError,
  isRuntimeError,
  isSecretKey,
  messageOf,
  parseOptions,
} from 'agentvisor/internal';
import { ClusterNodeOptionsSchema, type ClusterNodeConfig } from './ClusterNodeOptions.js';

/**
 * Validates a cluster config given as an object (what a YAML or JSON file parsed to) and resolves
 * every default. The schema is {@link ClusterNodeOptionsSchema}, so one file can describe the
 * whole cluster and each node process overrides `node` (and `servers`) on its command line.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with `details.issues`: `{ path, message }` per problem,
 *   the path formatted as `units[2].placement`.
 */
export function parseClusterConfig(input: unknown): ClusterNodeConfig {
  return parseOptions(ClusterNodeOptionsSchema, input, 'cluster config');
}

/**
 * Reads a cluster config file (YAML, or JSON, which YAML parses too), applies `overrides` (command
 * line flags win over the file) and validates it.
 *
 * No error quotes a secret: a syntax error is reported by its kind, line and column only
 * (`details.line`, `details.column`, `details.yamlCode`), never with the parser's code frame or
 * the token it choked on (on an `auth: { … password: … }` line either would be the password);
 * and the value of every secret field (password, token, seed, …) is `[redacted]` in validation
 * messages.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when the file cannot be read, does not parse (the
 *   parser's line and column in the message) or fails validation; `details.file` is the path.
 */
export async function loadClusterConfig(
  path: string,
  overrides: Record<string, unknown> = {},
): Promise<ClusterNodeConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw fileError(path, `cannot read the file: ${messageOf(cause)}`, cause);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (cause) {
    // The parser's error is not kept as the cause: its message quotes the source line.
    const problem = describeYamlError(cause);
    throw new RuntimeError(ErrorCode.InvalidOptions, `${path}: ${problem.reason}`, {
      details: {
        file: path,
        ...(problem.line === undefined ? {} : { line: problem.line }),
        ...(problem.column === undefined ? {} : { column: problem.column }),
        ...(problem.yamlCode === undefined ? {} : { yamlCode: problem.yamlCode }),
        issues: [{ path: '', message: problem.reason }],
      },
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fileError(path, 'expected a mapping at the top level');
  }
  try {
    return parseClusterConfig({ ...raw, ...overrides });
  } catch (err) {
    if (!isRuntimeError(err, ErrorCode.InvalidOptions)) throw err;
    const redact = redactorOf(secretValues(raw));
    const details = redact({ ...err.details, file: path }) as Record<string, unknown>;
    throw new RuntimeError(ErrorCode.InvalidOptions, redact(`${path}: ${err.message}`) as string, {
      cause: new RuntimeError(err.code, redact(err.message) as string, {
        details: redact(err.details) as Record<string, unknown>,
      }),
      details,
    });
  }
}

// --- internals ---

/** Nesting searched for secret fields (a config file is shallow; this bounds a hostile one). */
const MAX_SECRET_DEPTH = 32;

/** The string values of every secret-named field (`auth.password`, `token`, …), at any depth. */
function secretValues(value: unknown, depth = 0, out: string[] = []): string[] {
  if (typeof value !== 'object' || value === null || depth > MAX_SECRET_DEPTH) return out;
  for (const [key, v] of Object.entries(value)) {
    if (isSecretKey(key) && typeof v === 'string' && v !== '') out.push(v);
    else if (isSecretKey(key) && typeof v === 'object') collectStrings(v, depth + 1, out);
    else secretValues(v, depth + 1, out);
  }
  return out;
}

/** Every string inside `value` (all of a secret-named object is secret). */
function collectStrings(value: unknown, depth: number, out: string[]): void {
  if (typeof value === 'string' && value !== '') out.push(value);
  else if (typeof value === 'object' && value !== null && depth <= MAX_SECRET_DEPTH) {
    for (const v of Object.values(value)) collectStrings(v, depth + 1, out);
  }
}

/** Replaces each secret (longest first) in every string of a value with `[redacted]`. */
function redactorOf(secrets: readonly string[]): (value: unknown) => unknown {
  const sorted = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const redact = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      return sorted.reduce((text, secret) => text.split(secret).join('[redacted]'), value);
    }
    if (typeof value !== 'object' || value === null || depth > MAX_SECRET_DEPTH) return value;
    if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, depth + 1)]));
  };
  return (value) => (sorted.length === 0 ? value : redact(value, 0));
}

function fileError(path: string, message: string, cause?: unknown): RuntimeError {
  return new RuntimeError(ErrorCode.InvalidOptions, `${path}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file: path, issues: [{ path: '', message }] },
  });
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  describeYamlError,
  ErrorCode,
  isRuntimeError,
  parseOptions,
  RuntimeError,
  messageOf,
} from 'agentvisor/internal';
import { locateJsonError } from './locateJsonError.js';
import { PolicySchema, type Policy } from './schema.js';

/** The text formats a policy is written in. */
export type PolicyFormat = 'yaml' | 'json';

/** Options of {@link loadPolicyFile}. */
export interface LoadPolicyFileOptions {
  /** Aborts the read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

const WHAT = 'policy';

// --- public API ---

/**
 * Validates a policy given as an object (the TypeScript form, or what a file parsed to) and
 * resolves every default.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with `details.issues`: one `{ path, message }` per
 * problem, the path formatted as `root.children[2].restart`; the error message lists them as
 * `path: message` pairs.
 * @example
 * const policy = parsePolicy({ root: { id: 'desk', children: [{ id: 'writer', agent: 'writer' }] } });
 */
export function parsePolicy(input: unknown): Policy {
  return parseOptions(PolicySchema, input, WHAT);
}

/**
 * Parses a policy written as YAML or JSON, then validates it as {@link parsePolicy} does. In
 * either format an infinite `shutdownMs` is written `infinity` (YAML's `.inf` works too).
 *
 * @param format - Without it: JSON when the trimmed text starts with `{` and parses as JSON,
 * YAML otherwise (YAML 1.2 core schema, duplicate keys rejected).
 * @throws {RuntimeError} ERR_INVALID_OPTIONS on a syntax error, with one issue at path `''` whose
 * message is the parser's, with its line and column; or as {@link parsePolicy}.
 */
export function parsePolicyText(text: string, format?: PolicyFormat): Policy {
  return parsePolicy(parseText(text, format));
}

/**
 * Reads and parses a policy file; the format comes from its extension (`.yaml`, `.yml`, `.json`).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when the file cannot be read (missing, a directory,
 * no permission), has another extension, does not parse, or fails validation; `details.file` is
 * the path, `details.issues` the problems (a file-level problem has path `''`).
 */
export async function loadPolicyFile(
  path: string,
  options: LoadPolicyFileOptions = {},
): Promise<Policy> {
  const { signal } = options;
  signal?.throwIfAborted();
  const format = formatOf(extname(path).toLowerCase());
  if (format === undefined) {
    throw fileError(path, `expected a .yaml, .yml or .json file, got ${JSON.stringify(path)}`);
  }
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', ...(signal === undefined ? {} : { signal }) });
  } catch (err) {
    // Reject with the caller's reason, not fs's AbortError wrapper (platform convention).
    signal?.throwIfAborted();
    throw fileError(path, `cannot read the file: ${describe(err)}`, err);
  }
  try {
    return parsePolicyText(text, format);
  } catch (err) {
    if (!isRuntimeError(err, ErrorCode.InvalidOptions)) throw err;
    throw new RuntimeError(ErrorCode.InvalidOptions, `${path}: ${err.message}`, {
      cause: err,
      details: { ...err.details, file: path },
    });
  }
}

// --- internals ---

function formatOf(extension: string): PolicyFormat | undefined {
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.json') return 'json';
  return undefined;
}

function parseText(text: string, format: PolicyFormat | undefined): unknown {
  if (format === 'json') return parseJson(text);
  if (format === undefined && text.trim().startsWith('{')) {
    try {
      return JSON.parse(stripBom(text)) as unknown;
    } catch {
      // Not JSON after all: YAML flow style (`{root: {id: desk}}`) also starts with `{`.
    }
  }
  return parseYamlText(text);
}

function parseJson(text: string): unknown {
  const source = stripBom(text);
  try {
    return JSON.parse(source) as unknown;
  } catch (err) {
    const at = locateJsonError(source);
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
    throw syntaxError('json', `${jsonReason(err)}${where}`);
  }
}

function parseYamlText(text: string): unknown {
  try {
    // logLevel 'error': warnings (an unknown tag) are not printed to the console; errors throw.
    return parseYaml(text, { logLevel: 'error' }) as unknown;
  } catch (err) {
    // yaml's message ends in a code frame and may quote the token it choked on: report the kind
    // and the place only (a policy line can hold a token).
    throw syntaxError('yaml', describeYamlError(err).reason);
  }
}

/** V8's JSON message without the echoed source (it can be the whole file) or its position. */
function jsonReason(err: unknown): string {
  return (
    describe(err)
      // V8 quotes the text, or a window of it (`…"token": tok-9a8b7c6"…`): never the source.
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '')
  );
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function describe(err: unknown): string {
  return messageOf(err);
}

/** No cause: the parsers' errors quote the source (V8's JSON one a window of it). */
function syntaxError(format: PolicyFormat, message: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `Invalid ${WHAT} options: ${format.toUpperCase()} syntax error: ${message}`,
    { details: { what: WHAT, format, issues: [{ path: '', message }] } },
  );
}

function fileError(file: string, message: string, cause?: unknown): RuntimeError {
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `${file}: Invalid ${WHAT} options: ${message}`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { what: WHAT, file, issues: [{ path: '', message }] },
    },
  );
}

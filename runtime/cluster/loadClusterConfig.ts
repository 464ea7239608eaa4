import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
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
    throw fileError(path, messageOf(cause), cause);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fileError(path, 'expected a mapping at the top level');
  }
  try {
    return parseClusterConfig({ ...raw, ...overrides });
  } catch (err) {
    if (!isRuntimeError(err, ErrorCode.InvalidOptions)) throw err;
    throw new RuntimeError(ErrorCode.InvalidOptions, `${path}: ${err.message}`, {
      cause: err,
      details: { ...err.details, file: path },
    });
  }
}

function fileError(path: string, message: string, cause?: unknown): RuntimeError {
  return new RuntimeError(ErrorCode.InvalidOptions, `${path}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file: path, issues: [{ path: '', message }] },
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

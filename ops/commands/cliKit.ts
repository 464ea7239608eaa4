/**
 * What every command shares: strict flag parsing into usage errors, NATS security flags, loading
 * an agents module (TypeScript through tsx), and turning an unreachable server into
 * ERR_CONNECTION.
 *
 * Flags are parsed with node:util `parseArgs` (strict: unknown flags are refused with a clear
 * message, exit 2). A command with subcommands reads its first positional.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  ErrorCode,
  RuntimeError,
  causeChain,
  isRuntimeError,
  messageOf,
} from 'agentvisor/internal';
import type { ClusterAgent } from 'agentvisor/node';
import { securityFrom } from '../natsSecurity.js';

/** Bad usage of a command: printed with the command's usage text, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A {@link UsageError} of the command whose usage text is `commandUsage`. */
export function usageError(message: string, commandUsage: string): UsageError {
  return new UsageError(message, commandUsage);
}

/** What {@link parseCommandArgs} returns: parseArgs' typed values and positionals. */
export type ParsedFlags<TOptions extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; options: TOptions; allowPositionals: boolean }>
>;

/** parseArgs in strict mode; a malformed or unknown flag is a usage error of this command. */
export function parseCommandArgs<const TOptions extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  commandUsage: string,
  options: TOptions,
  allowPositionals = false,
): ParsedFlags<TOptions> {
  try {
    return parseArgs({ args, strict: true, options, allowPositionals });
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
    if (err instanceof TypeError && 'code' in err) throw usageError(err.message, commandUsage);
    throw err;
  }
}

/** Prints a usage text; exit code 0 (`--help`). */
export function printUsage(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

/** Prints `value` as JSON (`--json`) or as the text `format` makes of it. */
export function printOutput<T>(value: T, json: boolean, format: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${format(value)}\n`);
}

/** The NATS auth and TLS options of the flags and env; a bad combination is a usage error. */
export function securityOrUsage(values: Parameters<typeof securityFrom>[0], commandUsage: string) {
  try {
    return securityFrom(values, process.env);
  } catch (err) {
    throw usageError(messageOf(err), commandUsage);
  }
}

/** A positive integer flag value, or a usage error naming the flag. */
export function positiveInteger(
  flag: string,
  value: string | undefined,
  commandUsage: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw usageError(`${flag} takes a positive integer`, commandUsage);
  return n;
}

/** Imports a module (TypeScript through tsx); a failure is ERR_INVALID_OPTIONS at `field`. */
export async function importModule(path: string, field: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT_MODULE.test(path)) await registerTypeScript(path);
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    const reason = describeCause(cause);
    throw new RuntimeError(ErrorCode.InvalidOptions, `${field}: cannot load ${path}: ${reason}`, {
      cause,
      details: { issues: [{ path: field, message: `cannot load ${path}: ${reason}` }] },
    });
  }
}

/** The `agents` export of an agents module (or of its default export). */
export async function importAgents(path: string): Promise<Record<string, ClusterAgent>> {
  const loaded = (await importModule(path, 'agents')) as {
    agents?: unknown;
    default?: { agents?: unknown };
  };
  const agents = loaded.agents ?? loaded.default?.agents;
  if (typeof agents !== 'object' || agents === null) {
    throw new RuntimeError(ErrorCode.InvalidOptions, `agents: ${path} exports no \`agents\``, {
      details: { issues: [{ path: 'agents', message: 'the module exports no `agents` object' }] },
    });
  }
  return { ...(agents as Record<string, ClusterAgent>) };
}

/** Socket and resolver codes that mean no server could be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/**
 * nats.js reports an unreachable server as a bare `ConnectionError('connection refused')` (or the
 * resolver's `ENOTFOUND`): ERR_CONNECTION, so it prints with a code like every other failure. The
 * server URL is not quoted (it may carry `user:password@`).
 */
export function asConnectionError(err: unknown): RuntimeError | undefined {
  if (isRuntimeError(err) || !(err instanceof Error)) return undefined;
  let networkCode: string | undefined;
  for (const e of causeChain(err, 3)) {
    if (!(e instanceof Error)) break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) networkCode = code;
  }
  if (networkCode === undefined && err.name !== 'ConnectionError') return undefined;
  const reason = networkCode ?? err.message;
  return new RuntimeError(ErrorCode.Connection, `cannot reach a NATS server (${reason})`, {
    cause: err,
    details: networkCode === undefined ? {} : { networkCode },
  });
}

const TYPESCRIPT_MODULE = /\.[mc]?ts$/;

/**
 * Lets `import()` load TypeScript: registers tsx's ESM loader hooks (`tsx/esm/api`). tsx is an
 * optional peer dependency, needed only for a .ts agents module; Node 20 cannot strip types.
 */
async function registerTypeScript(path: string): Promise<void> {
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await import('tsx/esm/api');
  } catch (cause) {
    const message = `agents: ${path} is TypeScript: install tsx beside agentvisor (npm install tsx) or point \`agents\` at compiled JavaScript`;
    throw new RuntimeError(ErrorCode.InvalidOptions, `${message} (${describeCause(cause)})`, {
      cause,
      details: { issues: [{ path: 'agents', message: 'a TypeScript module needs tsx' }] },
    });
  }
  tsx.register();
}

/** `[CODE] message` of an error (its own code when it has one, e.g. ERR_MODULE_NOT_FOUND). */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? `[${code}] ${cause.message}` : cause.message;
}

/** Flags of the commands that talk to a console (`tree`, `actors`, `journal`, …). */
export const CONSOLE_FLAGS = {
  url: { type: 'string', default: 'http://127.0.0.1:7070' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Usage lines of {@link CONSOLE_FLAGS}. */
export const CONSOLE_USAGE = `Console options:
  --url        base URL of the console (agentvisor node --console) (default http://127.0.0.1:7070)
  --token      bearer token (default: AGENTVISOR_TOKEN)
  --json       print the answer as JSON
  -h, --help   show this help`;

/** The console a command talks to: `--url`, and `--token` or AGENTVISOR_TOKEN. */
export function consoleEndpoint(values: { url?: string; token?: string }): {
  url: string;
  token: string | undefined;
} {
  const env = process.env['AGENTVISOR_TOKEN'];
  return {
    url: values.url ?? 'http://127.0.0.1:7070',
    token: values.token ?? (env === undefined || env === '' ? undefined : env),
  };
}

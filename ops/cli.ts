#!/usr/bin/env node
/**
 * The `agentvisor` command line.
 *
 *   agentvisor node --config cluster.yaml [--node ID] [--server URL]   run a cluster node
 *   agentvisor status [--server URL] [--namespace NS] [--json]        show nodes and placements
 *   agentvisor trace <actor> [--server URL] [--namespace NS] [--journal-dir DIR] [--task ID] [--json]
 *   agentvisor --version | agentvisor <command> --help
 *
 * Both take NATS auth and TLS flags (see natsSecurity.ts); both connect through
 * `NatsTransport.connect`, so a refused credential is ERR_AUTH and a failed handshake ERR_TLS,
 * printed as `error [ERR_AUTH]: …` with exit code 1, and no secret is ever printed.
 *
 * Flags are parsed with node:util `parseArgs` (strict: unknown flags are refused with a clear
 * message); each command's body lives in its own file (verifyCommand.ts, readTrace.ts). Four
 * commands with flat flags still fit it; nested subcommands (`chaos run`, `bench reliability`)
 * are where a CLI library earns its place.
 *
 * The agents module may be TypeScript (`agents: ./agents.ts`): the CLI then registers tsx, an
 * optional peer dependency, before importing it. A config with a supervision tree (`root:`, as a
 * policy file, plus `placement:`) may name a worker's agent by module path
 * (`agent: ./agents/planner.ts`): that module's default export, or its one exported agent. A module that fails to load is reported with
 * its underlying error and that error's code.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  ErrorCode,
  NatsTransport,
  RuntimeError,
  causeChain,
  createLogger,
  createPrometheusRegistry,
  isRuntimeError,
} from 'agentvisor/internal';
import {
  ClusterNode,
  loadClusterConfig,
  parseMetricsAddress,
  readClusterStatus,
  serveMetrics,
  type ClusterAgent,
} from 'agentvisor/node';
import type { ChildSpec, SupervisorSpec } from 'agentvisor/supervisors';
import { formatClusterStatus } from './formatClusterStatus.js';
import { TRACE_USAGE, readTrace } from './readTrace.js';
import { SECURITY_FLAGS, securityFrom } from './natsSecurity.js';
import { NODE_USAGE, STATUS_USAGE } from './usage.js';
import { agentModulePaths, pickAgent } from './treeAgents.js';
import { VERIFY_USAGE, runVerifyCommand } from './verifyCommand.js';

const USAGE = `Usage:
  agentvisor node --config <cluster.yaml> [--node <id>] [--server <nats-url>]
  agentvisor status [--server <nats-url>] [--namespace <ns>] [--json]
  agentvisor verify <agents module> [--policy <tree.yaml>] [--json]
  agentvisor trace <actor> [--server <nats-url>] [--journal-dir <dir>] [--json]
  agentvisor <command> --help     options of a command
  agentvisor --version            print the version`;

const COMMAND_USAGE: Readonly<Record<string, string>> = {
  node: NODE_USAGE,
  status: STATUS_USAGE,
  verify: VERIFY_USAGE,
  trace: TRACE_USAGE,
};

/** Exit codes: 0 done, 1 failed, 2 bad usage. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    // `agentvisor help node` is `agentvisor node --help`.
    const topic = command === 'help' && rest[0] !== undefined ? COMMAND_USAGE[rest[0]] : undefined;
    process.stdout.write(`${topic ?? USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === 'node') return runNode(rest);
  if (command === 'status') return runStatus(rest);
  if (command === 'verify') return runVerify(rest);
  if (command === 'trace') return runTrace(rest);
  process.stderr.write(`error: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
  return 2;
}

/** The version in agentvisor's package.json (a self-reference: the same from src and dist). */
function packageVersion(): string {
  const manifest = createRequire(import.meta.url)('agentvisor/package.json') as { version: string };
  return manifest.version;
}

async function runNode(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, NODE_USAGE, {
    config: { type: 'string' },
    node: { type: 'string' },
    server: { type: 'string' },
    metrics: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...SECURITY_FLAGS,
  });
  if (values.help === true) return printUsage(NODE_USAGE);
  if (values.config === undefined) throw usage('--config is required', NODE_USAGE);
  // Flags and env win over the file's `auth` and `tls`.
  const overrides: Record<string, unknown> = { ...securityOrUsage(values, NODE_USAGE) };
  if (values.node !== undefined) overrides['node'] = values.node;
  if (values.server !== undefined) overrides['servers'] = values.server;
  if (values.metrics !== undefined) overrides['metrics'] = metricsOrUsage(values.metrics);
  const config = await loadClusterConfig(values.config, overrides);
  const base = dirname(values.config);
  const paths = agentModulePaths(config.root);
  // A tree whose workers all name modules needs no agents module.
  const needsRegistry =
    config.units.length > 0 ||
    (config.mailbox?.actors.length ?? 0) > 0 ||
    namesRegistryAgents(config.root, paths);
  if (config.agents === undefined && needsRegistry) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `${values.config}: agents: the module exporting the agents is required to run a node`,
      { details: { file: values.config, issues: [{ path: 'agents', message: 'required' }] } },
    );
  }
  const agents =
    config.agents === undefined ? {} : await importAgents(resolve(base, config.agents));
  for (const path of paths) {
    const module = await importModule(resolve(base, path), 'root');
    agents[path] = { logic: pickAgent(module, path) };
  }
  const logger = createLogger({ base: { node: config.node } });
  // Bound before the node joins: a port in use (ERR_METRICS_PORT_IN_USE) fails the start cleanly.
  const metrics =
    config.metrics === undefined ? undefined : createPrometheusRegistry({ defaultMetrics: true });
  const server =
    metrics === undefined || config.metrics === undefined
      ? undefined
      : await serveMetrics(metrics, config.metrics);
  if (server !== undefined) logger.info({ metricsUrl: server.url }, `metrics: ${server.url}`);
  let node: ClusterNode;
  try {
    node = await ClusterNode.start(config, {
      agents,
      logger,
      ...(metrics === undefined ? {} : { metrics }),
    });
  } catch (err) {
    await server?.close();
    throw err;
  }
  node.onEvent((event) => {
    if (event.type !== 'member') logger.info({ event }, `cluster: ${event.type}`);
  });
  // SIGTERM / SIGINT: drain (hand every unit over), then exit.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void node.drain();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await node.closed;
  await server?.close();
  return 0;
}

function metricsOrUsage(text: string): { host: string; port: number } {
  try {
    return parseMetricsAddress(text);
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err), NODE_USAGE);
  }
}

async function runStatus(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, STATUS_USAGE, {
    server: { type: 'string', default: 'nats://127.0.0.1:4222' },
    namespace: { type: 'string', default: 'default' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
    ...SECURITY_FLAGS,
  });
  if (values.help) return printUsage(STATUS_USAGE);
  // The connect path of nodes (auth, TLS, ERR_AUTH/ERR_TLS); status does not wait for a server.
  const transport = await NatsTransport.connect(
    { servers: values.server, waitOnFirstConnect: false },
    securityOrUsage(values, STATUS_USAGE),
  );
  try {
    const status = await readClusterStatus(transport.connection, { namespace: values.namespace });
    process.stdout.write(
      values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatClusterStatus(status)}\n`,
    );
    return 0;
  } finally {
    await transport.close();
  }
}

async function runTrace(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    TRACE_USAGE,
    {
      server: { type: 'string', default: 'nats://127.0.0.1:4222' },
      namespace: { type: 'string', default: 'default' },
      'journal-dir': { type: 'string' },
      task: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      ...SECURITY_FLAGS,
    },
    true,
  );
  if (values.help) return printUsage(TRACE_USAGE);
  const [actor, ...extra] = positionals;
  if (actor === undefined || extra.length > 0) throw usage('expected one <actor>', TRACE_USAGE);
  const security = securityOrUsage(values, TRACE_USAGE);
  const text = await readTrace(actor, {
    source:
      values['journal-dir'] === undefined
        ? { server: values.server, namespace: values.namespace, security }
        : { journalDir: values['journal-dir'] },
    task: values.task,
    json: values.json,
  });
  process.stdout.write(`${text}\n`);
  return 0;
}

/** parseArgs in strict mode; a malformed or unknown flag is a usage error of this command. */
function runVerify(args: string[]): Promise<number> {
  return runVerifyCommand(args, {
    parse: (argv, options) => parseCommandArgs(argv, VERIFY_USAGE, options, true),
    usage: (message) => usage(message, VERIFY_USAGE),
    importAgents,
  });
}

function parseCommandArgs<const TOptions extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  commandUsage: string,
  options: TOptions,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, strict: true, options, allowPositionals });
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
    if (err instanceof TypeError && 'code' in err) throw usage(err.message, commandUsage);
    throw err;
  }
}

function printUsage(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function securityOrUsage(values: Parameters<typeof securityFrom>[0], commandUsage: string) {
  try {
    return securityFrom(values, process.env);
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err), commandUsage);
  }
}

/** True when a tree worker names its agent by registry key (not by module path). */
function namesRegistryAgents(root: SupervisorSpec | undefined, paths: readonly string[]): boolean {
  const visit = (child: ChildSpec): boolean =>
    child.type === 'supervisor'
      ? child.children.some(visit)
      : typeof child.agent === 'string' && !paths.includes(child.agent);
  return root !== undefined && visit(root);
}

/** Imports a module (TypeScript through tsx); a failure is ERR_INVALID_OPTIONS at `field`. */
async function importModule(path: string, field: string): Promise<Record<string, unknown>> {
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

async function importAgents(path: string): Promise<Record<string, ClusterAgent>> {
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
function asConnectionError(err: unknown): RuntimeError | undefined {
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

class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}
function usage(message: string, commandUsage: string = USAGE): UsageError {
  return new UsageError(message, commandUsage);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${err.usage}\n`);
      process.exitCode = 2;
      return;
    }
    const failure = asConnectionError(err) ?? err;
    const code = isRuntimeError(failure) ? ` [${failure.code}]` : '';
    const message = failure instanceof Error ? failure.message : String(failure);
    process.stderr.write(`error${code}: ${message}\n`);
    process.exitCode = 1;
  },
);

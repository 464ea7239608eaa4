#!/usr/bin/env node
/**
 * The `agentvisor` command line.
 *
 *   agentvisor node --config cluster.yaml [--node ID] [--server URL]   run a cluster node
 *   agentvisor status [--server URL] [--namespace NS] [--json]        show nodes and placements
 *
 * Both take NATS auth and TLS flags (see natsSecurity.ts); both connect through
 * `NatsTransport.connect`, so a refused credential is ERR_AUTH and a failed handshake ERR_TLS,
 * printed as `error [ERR_AUTH]: …` with exit code 1, and no secret is ever printed.
 *
 * Flags are parsed with node:util `parseArgs`: two commands with a handful of flags need no
 * dependency, and its strict mode refuses unknown flags with a clear message.
 */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ClusterNode,
  ErrorCode,
  NatsTransport,
  RuntimeError,
  createLogger,
  isRuntimeError,
  loadClusterConfig,
  readClusterStatus,
  type ClusterAgent,
} from 'agentvisor';
import { formatClusterStatus } from './formatClusterStatus.js';
import { SECURITY_FLAGS, SECURITY_USAGE, securityFrom } from './natsSecurity.js';

const USAGE = `Usage:
  agentvisor node --config <cluster.yaml> [--node <id>] [--server <nats-url>]
  agentvisor status [--server <nats-url>] [--namespace <ns>] [--json]

Options:
  --config     cluster config file (YAML): namespace, servers, timing, units, agents module
  --node       this node's id (overrides the file's \`node\`)
  --server     NATS server URL (overrides the file's \`servers\`; status default nats://127.0.0.1:4222)
  --namespace  namespace to show (default: default)
  --json       print the status as JSON
  --help       show this help

${SECURITY_USAGE}`;

/** Exit codes: 0 done, 1 failed, 2 bad usage. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'node') return runNode(rest);
  if (command === 'status') return runStatus(rest);
  process.stderr.write(`error: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
  return 2;
}

async function runNode(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string' },
      node: { type: 'string' },
      server: { type: 'string' },
      ...SECURITY_FLAGS,
    },
  });
  if (values.config === undefined) throw usage('--config is required');
  // Flags and env win over the file's `auth` and `tls`.
  const overrides: Record<string, unknown> = { ...securityOrUsage(values) };
  if (values.node !== undefined) overrides['node'] = values.node;
  if (values.server !== undefined) overrides['servers'] = values.server;
  const config = await loadClusterConfig(values.config, overrides);
  if (config.agents === undefined) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `${values.config}: agents: the module exporting the agents is required to run a node`,
      { details: { file: values.config, issues: [{ path: 'agents', message: 'required' }] } },
    );
  }
  const agents = await importAgents(resolve(dirname(values.config), config.agents));
  const logger = createLogger({ base: { node: config.node } });
  const node = await ClusterNode.start(config, { agents, logger });
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
  return 0;
}

async function runStatus(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      server: { type: 'string', default: 'nats://127.0.0.1:4222' },
      namespace: { type: 'string', default: 'default' },
      json: { type: 'boolean', default: false },
      ...SECURITY_FLAGS,
    },
  });
  // The connect path of nodes (auth, TLS, ERR_AUTH/ERR_TLS); status does not wait for a server.
  const transport = await NatsTransport.connect(
    { servers: values.server, waitOnFirstConnect: false },
    securityOrUsage(values),
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

function securityOrUsage(values: Parameters<typeof securityFrom>[0]) {
  try {
    return securityFrom(values, process.env);
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err));
  }
}

async function importAgents(path: string): Promise<Record<string, ClusterAgent>> {
  let loaded: { agents?: unknown; default?: { agents?: unknown } };
  try {
    loaded = (await import(pathToFileURL(path).href)) as typeof loaded;
  } catch (cause) {
    throw new RuntimeError(ErrorCode.InvalidOptions, `agents: cannot load ${path}`, {
      cause,
      details: { issues: [{ path: 'agents', message: `cannot load ${path}` }] },
    });
  }
  const agents = loaded.agents ?? loaded.default?.agents;
  if (typeof agents !== 'object' || agents === null) {
    throw new RuntimeError(ErrorCode.InvalidOptions, `agents: ${path} exports no \`agents\``, {
      details: { issues: [{ path: 'agents', message: 'the module exports no `agents` object' }] },
    });
  }
  return agents as Record<string, ClusterAgent>;
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
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) networkCode = code;
    e = e.cause;
  }
  if (networkCode === undefined && err.name !== 'ConnectionError') return undefined;
  const reason = networkCode ?? err.message;
  return new RuntimeError(ErrorCode.Connection, `cannot reach a NATS server (${reason})`, {
    cause: err,
    details: networkCode === undefined ? {} : { networkCode },
  });
}

class UsageError extends Error {}
function usage(message: string): UsageError {
  return new UsageError(message);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
      process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
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

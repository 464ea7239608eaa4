import { dirname, resolve } from 'node:path';
import {
  ErrorCode,
  RuntimeError,
  createLogger,
  createPrometheusRegistry,
  messageOf,
} from 'agentvisor/internal';
import { ClusterNode, loadClusterConfig, parseMetricsAddress, serveMetrics } from 'agentvisor/node';
import type { ChildSpec, SupervisorSpec } from 'agentvisor/supervisors';
import { serveConsole, type ConsoleServer } from '../http/index.js';
import { SECURITY_FLAGS, SECURITY_USAGE } from '../natsSecurity.js';
import { agentModulePaths, pickAgent } from '../treeAgents.js';
import type { CliCommand } from './CliCommand.js';
import {
  importAgents,
  importModule,
  parseCommandArgs,
  printUsage,
  securityOrUsage,
  usageError,
} from './cliKit.js';

const NODE_USAGE = `Usage: agentvisor node --config <cluster.yaml> [--node <id>] [--server <nats-url>]

Runs a cluster node: joins the namespace, takes its share of the units, and on SIGTERM/SIGINT
drains (hands every unit over) before it exits.

Options:
  --config     cluster config file (YAML): namespace, servers, timing, units, agents module
               (a .js or .ts module; .ts/.mts/.cts needs tsx installed beside agentvisor),
               and optionally a supervision tree: \`root:\` (as a policy file) and
               \`placement:\` (top-level child id → { role } or { node }); each top-level
               child is a unit <root>/<child>, run on the node that owns it. A worker's
               agent is a name from the agents module or a module path (./agents/x.ts)
  --node       this node's id (overrides the file's \`node\`)
  --server     NATS server URL (overrides the file's \`servers\`)
  --metrics    serve GET /metrics (Prometheus text) on [host:]port (host default 127.0.0.1;
               port 0 picks one; overrides the file's \`metrics\`); the URL is logged
  --console    serve the operator's console HTTP API on [host:]port (host default 127.0.0.1;
               overrides the file's \`console\` host and port; its \`tokens\` stay); the
               URL is logged. Without tokens it listens on loopback only
  -h, --help   show this help

${SECURITY_USAGE}`;

/**
 * `agentvisor node --config cluster.yaml`: runs a cluster node until SIGTERM/SIGINT, then drains.
 * The agents module may be TypeScript (`agents: ./agents.ts`): tsx is registered before it is
 * imported. A config with a supervision tree (`root:`, as a policy file, plus `placement:`) may
 * name a worker's agent by module path (`agent: ./agents/planner.ts`): that module's default
 * export, or its one exported agent.
 */
export const nodeCommand: CliCommand = {
  name: 'node',
  synopsis: 'node --config <cluster.yaml> [--node <id>] [--server <nats-url>]',
  usage: NODE_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, NODE_USAGE, {
      config: { type: 'string' },
      node: { type: 'string' },
      server: { type: 'string' },
      metrics: { type: 'string' },
      console: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...SECURITY_FLAGS,
    });
    if (values.help === true) return printUsage(NODE_USAGE);
    if (values.config === undefined) throw usageError('--config is required', NODE_USAGE);
    // Flags and env win over the file's `auth` and `tls`.
    const overrides: Record<string, unknown> = { ...securityOrUsage(values, NODE_USAGE) };
    if (values.node !== undefined) overrides['node'] = values.node;
    if (values.server !== undefined) overrides['servers'] = values.server;
    if (values.metrics !== undefined) overrides['metrics'] = metricsOrUsage(values.metrics);
    const consoleAt =
      values.console === undefined ? undefined : addressOrUsage(values.console, '--console');
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
    let consoleServer: ConsoleServer | undefined;
    const consoleConfig =
      config.console === undefined && consoleAt === undefined
        ? undefined
        : { ...config.console, ...consoleAt };
    if (consoleConfig !== undefined) {
      try {
        consoleServer = await serveConsole(node, {
          host: consoleConfig.host ?? '127.0.0.1',
          port: consoleConfig.port ?? 0,
          ...(consoleConfig.tokens === undefined ? {} : { tokens: consoleConfig.tokens }),
          ...(metrics === undefined ? {} : { metrics }),
          logger,
        });
      } catch (err) {
        await node.close();
        await server?.close();
        throw err;
      }
      logger.info({ consoleUrl: consoleServer.url }, `console: ${consoleServer.url}`);
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
    await consoleServer?.close();
    await server?.close();
    return 0;
  },
};

function addressOrUsage(text: string, flag: string): { host: string; port: number } {
  try {
    return parseMetricsAddress(text);
  } catch {
    throw usageError(`${flag}: expected [host:]port, got ${JSON.stringify(text)}`, NODE_USAGE);
  }
}

function metricsOrUsage(text: string): { host: string; port: number } {
  try {
    return parseMetricsAddress(text);
  } catch (err) {
    throw usageError(messageOf(err), NODE_USAGE);
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

/** Usage texts of the `agentvisor node` and `agentvisor status` commands. */
import { SECURITY_USAGE } from './natsSecurity.js';

export const NODE_USAGE = `Usage: agentvisor node --config <cluster.yaml> [--node <id>] [--server <nats-url>]

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
  -h, --help   show this help

${SECURITY_USAGE}`;

export const STATUS_USAGE = `Usage: agentvisor status [--server <nats-url>] [--namespace <ns>] [--json]

Shows the nodes of a namespace and where its units run.

Options:
  --server     NATS server URL (default nats://127.0.0.1:4222)
  --namespace  namespace to show (default: default)
  --json       print the status as JSON
  -h, --help   show this help

${SECURITY_USAGE}`;

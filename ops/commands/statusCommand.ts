import { NatsTransport } from 'agentvisor/internal';
import { readClusterStatus } from 'agentvisor/node';
import { formatClusterStatus } from '../formatClusterStatus.js';
import { SECURITY_FLAGS, SECURITY_USAGE } from '../natsSecurity.js';
import type { CliCommand } from './CliCommand.js';
import { parseCommandArgs, printOutput, printUsage, securityOrUsage } from './cliKit.js';

const STATUS_USAGE = `Usage: agentvisor status [--server <nats-url>] [--namespace <ns>] [--json]

Shows the nodes of a namespace and where its units run.

Options:
  --server     NATS server URL (default nats://127.0.0.1:4222)
  --namespace  namespace to show (default: default)
  --json       print the status as JSON
  -h, --help   show this help

${SECURITY_USAGE}`;

/** `agentvisor status`: the nodes of a namespace and where its units run. */
export const statusCommand: CliCommand = {
  name: 'status',
  synopsis: 'status [--server <nats-url>] [--namespace <ns>] [--json]',
  usage: STATUS_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, STATUS_USAGE, {
      server: { type: 'string', default: 'nats://127.0.0.1:4222' },
      namespace: { type: 'string', default: 'default' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      ...SECURITY_FLAGS,
    });
    if (values.help === true) return printUsage(STATUS_USAGE);
    // The connect path of nodes (auth, TLS, ERR_AUTH/ERR_TLS); status does not wait for a server.
    const transport = await NatsTransport.connect(
      { servers: values.server, waitOnFirstConnect: false },
      securityOrUsage(values, STATUS_USAGE),
    );
    try {
      const status = await readClusterStatus(transport.connection, { namespace: values.namespace });
      printOutput(status, values.json, formatClusterStatus);
      return 0;
    } finally {
      await transport.close();
    }
  },
};

import {
  FileJournal,
  JetStreamJournal,
  NatsTransport,
  kvToken,
  type Journal,
} from 'agentvisor/internal';
import { formatReasoningChain, readReasoningChain } from 'agentvisor/actors';
import { SECURITY_FLAGS, SECURITY_USAGE, type securityFrom } from '../natsSecurity.js';
import type { CliCommand } from './CliCommand.js';
import { parseCommandArgs, printUsage, securityOrUsage, usageError } from './cliKit.js';

/** Usage of `agentvisor trace`. */
export const TRACE_USAGE = `Usage: agentvisor trace <actor> [--server <nats-url>] [--namespace <ns>] [--journal-dir <dir>] [--task <id>] [--json]

Prints the reasoning chain of an actor read from its journal: each message and effect outcome
it received, the effects each started and their outcomes, timing, tokens and cost.

Options:
  --server       NATS server URL: the namespace's JetStream journal (default nats://127.0.0.1:4222)
  --namespace    namespace of the actor (default: default)
  --journal-dir  read a FileJournal directory instead of NATS
  --task         only this task (the id of the message that began it)
  --json         print the chain as JSON
  -h, --help     show this help

${SECURITY_USAGE}`;

/** Where `agentvisor trace` reads the journal from. */
export type TraceSource =
  | {
      readonly server: string;
      readonly namespace: string;
      readonly security: ReturnType<typeof securityFrom>;
    }
  | { readonly journalDir: string };

/**
 * The reasoning chain of `actor` as `agentvisor trace` prints it (text, or JSON with `json`): read
 * from a FileJournal directory, or from the JetStream journal a cluster node of the namespace
 * writes (opened read-only: the stream is never created).
 */
export async function readTrace(
  actor: string,
  options: { source: TraceSource; task: string | undefined; json: boolean },
): Promise<string> {
  const render = async (journal: Journal): Promise<string> => {
    const chain = await readReasoningChain(journal, actor, { task: options.task });
    return options.json ? JSON.stringify(chain, null, 2) : formatReasoningChain(chain);
  };
  const { source } = options;
  if ('journalDir' in source) {
    const journal = await FileJournal.open({ dir: source.journalDir });
    try {
      return await render(journal);
    } finally {
      await journal.close();
    }
  }
  const transport = await NatsTransport.connect(
    { servers: source.server, waitOnFirstConnect: false },
    source.security,
  );
  try {
    // The stream a cluster node of this namespace journals to (openClusterTables).
    const ns = kvToken(source.namespace);
    const journal = await JetStreamJournal.open(transport.connection, {
      stream: `AGENTVISOR_JOURNAL_${ns}`,
      subjectPrefix: `av.journal.${ns}`,
      readOnly: true,
    });
    return await render(journal);
  } finally {
    await transport.close();
  }
}

/** `agentvisor trace <actor>`: the reasoning chain of an actor, read from its journal. */
export const traceCommand: CliCommand = {
  name: 'trace',
  synopsis: 'trace <actor> [--server <nats-url>] [--journal-dir <dir>] [--json]',
  usage: TRACE_USAGE,
  async run(args) {
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
    if (values.help === true) return printUsage(TRACE_USAGE);
    const [actor, ...extra] = positionals;
    if (actor === undefined || extra.length > 0)
      throw usageError('expected one <actor>', TRACE_USAGE);
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
  },
};

import { requestConsole } from '../http/index.js';
import type { CliCommand } from './CliCommand.js';
import {
  CONSOLE_FLAGS,
  CONSOLE_USAGE,
  consoleEndpoint,
  parseCommandArgs,
  positiveInteger,
  printOutput,
  printUsage,
  usageError,
} from './cliKit.js';

const CHECKPOINT_USAGE = `Usage: agentvisor checkpoint <actor> [--fork <name> [--revision <n>]] [--list] [--url <console>] [--token <token>] [--json]

Through a console (an operator token): takes a checkpoint of a durable actor now, or with
--fork starts a new actor <name> from its latest checkpoint (or --revision); --list lists its
checkpoints (a viewer token is enough).

Options:
  --fork       start a new actor under this name from the checkpoint
  --revision   the checkpoint revision to fork from (default: the latest)
  --list       list the actor's checkpoints instead

${CONSOLE_USAGE}`;

/** `agentvisor checkpoint <actor>`: take one now, fork from one, or list them, through a console. */
export const checkpointCommand: CliCommand = {
  name: 'checkpoint',
  synopsis: 'checkpoint <actor> [--fork <name>] [--list] [--url <console>] [--json]',
  usage: CHECKPOINT_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      CHECKPOINT_USAGE,
      {
        ...CONSOLE_FLAGS,
        fork: { type: 'string' },
        revision: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
      true,
    );
    if (values.help === true) return printUsage(CHECKPOINT_USAGE);
    const [actor, ...extra] = positionals;
    if (actor === undefined || extra.length > 0) {
      throw usageError('expected one <actor>', CHECKPOINT_USAGE);
    }
    const revision = positiveInteger('--revision', values.revision, CHECKPOINT_USAGE);
    if (revision !== undefined && values.fork === undefined) {
      throw usageError('--revision goes with --fork', CHECKPOINT_USAGE);
    }
    if (values.list && values.fork !== undefined) {
      throw usageError('--list and --fork are exclusive', CHECKPOINT_USAGE);
    }
    const endpoint = consoleEndpoint(values);
    const base = `/api/actors/${encodeURIComponent(actor)}`;
    if (values.list) {
      const answer = await requestConsole(endpoint, 'GET', `${base}/checkpoints`);
      printOutput(answer, values.json, (a) =>
        (a['checkpoints'] as { revision: number; journalSeq: number; createdAt: number }[])
          .map(
            (c) =>
              `revision ${c.revision}: journal seq ${c.journalSeq}, ${new Date(c.createdAt).toISOString()}`,
          )
          .join('\n'),
      );
      return 0;
    }
    if (values.fork !== undefined) {
      const answer = await requestConsole(endpoint, 'POST', `${base}/fork`, {
        name: values.fork,
        ...(revision === undefined ? {} : { revision }),
      });
      printOutput(answer, values.json, () => `forked ${actor} into ${values.fork}`);
      return 0;
    }
    const answer = await requestConsole(endpoint, 'POST', `${base}/checkpoints`, {});
    printOutput(
      answer,
      values.json,
      (a) => `checkpoint of ${actor}: revision ${String(a['revision'])}`,
    );
    return 0;
  },
};

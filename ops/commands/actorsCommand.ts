import { requestConsole } from '../http/index.js';
import type { CliCommand } from './CliCommand.js';
import {
  CONSOLE_FLAGS,
  CONSOLE_USAGE,
  consoleEndpoint,
  parseCommandArgs,
  printOutput,
  printUsage,
} from './cliKit.js';

const ACTORS_USAGE = `Usage: agentvisor actors [--url <console>] [--token <token>] [--json]

Lists the actors a console's system hosts: status, incarnation, mailbox depth, messages
processed and state.

${CONSOLE_USAGE}`;

interface ActorRow {
  name: string;
  status: string;
  incarnation: number;
  mailboxSize: number;
  processed: number;
  state?: unknown;
}

/** `agentvisor actors`: the actors a console's system hosts. */
export const actorsCommand: CliCommand = {
  name: 'actors',
  synopsis: 'actors [--url <console>] [--token <token>] [--json]',
  usage: ACTORS_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, ACTORS_USAGE, CONSOLE_FLAGS);
    if (values.help === true) return printUsage(ACTORS_USAGE);
    const answer = await requestConsole(consoleEndpoint(values), 'GET', '/api/actors');
    printOutput(answer, values.json, (a) =>
      (a['actors'] as ActorRow[])
        .map(
          (r) =>
            `${r.name}: ${r.status}, incarnation ${r.incarnation}, mailbox ${r.mailboxSize}, processed ${r.processed}${r.state === undefined ? '' : `, state ${JSON.stringify(r.state)}`}`,
        )
        .join('\n'),
    );
    return 0;
  },
};

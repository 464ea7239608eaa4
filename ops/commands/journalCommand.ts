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

const JOURNAL_USAGE = `Usage: agentvisor journal <actor> [--from <seq>] [--limit <n>] [--url <console>] [--token <token>] [--json]

Prints a page of an actor's journal through a console: each entry's sequence, kind, time and id.

Options:
  --from       first sequence to print (default 1)
  --limit      entries to print (default 100, at most 1000)

${CONSOLE_USAGE}`;

interface JournalPage {
  entries: { seq: number; event: { id: string; kind: string; at: number; data: unknown } }[];
  next?: number;
}

/** `agentvisor journal <actor>`: a page of an actor's journal, through a console. */
export const journalCommand: CliCommand = {
  name: 'journal',
  synopsis: 'journal <actor> [--from <seq>] [--limit <n>] [--url <console>] [--json]',
  usage: JOURNAL_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      JOURNAL_USAGE,
      { ...CONSOLE_FLAGS, from: { type: 'string' }, limit: { type: 'string' } },
      true,
    );
    if (values.help === true) return printUsage(JOURNAL_USAGE);
    const [actor, ...extra] = positionals;
    if (actor === undefined || extra.length > 0) {
      throw usageError('expected one <actor>', JOURNAL_USAGE);
    }
    const query = new URLSearchParams();
    const from = positiveInteger('--from', values.from, JOURNAL_USAGE);
    const limit = positiveInteger('--limit', values.limit, JOURNAL_USAGE);
    if (from !== undefined) query.set('from', String(from));
    if (limit !== undefined) query.set('limit', String(limit));
    const path = `/api/actors/${encodeURIComponent(actor)}/journal${query.size > 0 ? `?${query.toString()}` : ''}`;
    const answer = await requestConsole(consoleEndpoint(values), 'GET', path);
    printOutput(answer, values.json, (a) => {
      const page = a as unknown as JournalPage;
      const lines = page.entries.map(
        (e) =>
          `${e.seq} ${new Date(e.event.at).toISOString()} ${e.event.kind} ${e.event.id} ${JSON.stringify(e.event.data)}`,
      );
      if (page.next !== undefined) lines.push(`(more: --from ${page.next})`);
      return lines.join('\n');
    });
    return 0;
  },
};

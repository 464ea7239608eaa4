import { readFile } from 'node:fs/promises';
import { ErrorCode, RuntimeError, messageOf } from 'agentvisor/internal';
import { requestConsole, type ConsoleEndpoint } from '../http/index.js';
import type { CliCommand } from './CliCommand.js';
import {
  CONSOLE_FLAGS,
  CONSOLE_USAGE,
  consoleEndpoint,
  parseCommandArgs,
  printOutput,
  printUsage,
  usageError,
} from './cliKit.js';

const ESCALATIONS_USAGE = `Usage: agentvisor escalations [list] [--status open|resolved] [--supervisor <id>] [--agent <name>]
       agentvisor escalations show <id>
       agentvisor escalations decide <id> (--retry | --resume [--context <file>] | --skip --result <file>
                                         | --restart-fresh | --stop) --by <name> [--note <text>]

Lists, shows and decides escalations through a console (deciding needs an operator token). A
decision made here and one made in the web console are the same API call and journal entry.

Options:
  --status, --supervisor, --agent   filters of list
  --context    JSON file: the context merged into the restored one (--resume)
  --result     JSON file: what the failed step should have produced (--skip; null for none)
  --by         who decides (recorded)
  --note       why (recorded)

${CONSOLE_USAGE}`;

const DECISIONS = ['retry', 'resume', 'skip', 'restart-fresh', 'stop'] as const;

interface Row {
  id: string;
  status: string;
  supervisor: string;
  child: { id: string };
  failureClass: string;
  raisedAt: number;
  resolution?: { decision: { type: string }; by?: string };
}

/** `agentvisor escalations`: list, show and decide escalations, through a console. */
export const escalationsCommand: CliCommand = {
  name: 'escalations',
  synopsis:
    'escalations [list|show <id>|decide <id> --retry|--resume|--skip|--restart-fresh|--stop]',
  usage: ESCALATIONS_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      ESCALATIONS_USAGE,
      {
        ...CONSOLE_FLAGS,
        status: { type: 'string' },
        supervisor: { type: 'string' },
        agent: { type: 'string' },
        retry: { type: 'boolean', default: false },
        resume: { type: 'boolean', default: false },
        skip: { type: 'boolean', default: false },
        'restart-fresh': { type: 'boolean', default: false },
        stop: { type: 'boolean', default: false },
        context: { type: 'string' },
        result: { type: 'string' },
        by: { type: 'string' },
        note: { type: 'string' },
      },
      true,
    );
    if (values.help === true) return printUsage(ESCALATIONS_USAGE);
    const [sub = 'list', id, ...extra] = positionals;
    const endpoint = consoleEndpoint(values);
    if (sub === 'list' && id === undefined) {
      const query = new URLSearchParams();
      for (const key of ['status', 'supervisor', 'agent'] as const) {
        const value = values[key];
        if (value !== undefined) query.set(key, value);
      }
      const suffix = query.size > 0 ? `?${query.toString()}` : '';
      const answer = await requestConsole(endpoint, 'GET', `/api/escalations${suffix}`);
      printOutput(answer, values.json, (a) => formatList(a['escalations'] as Row[]));
      return 0;
    }
    if (id === undefined || extra.length > 0) {
      throw usageError(`expected \`${sub} <id>\``, ESCALATIONS_USAGE);
    }
    const path = `/api/escalations/${encodeURIComponent(id)}`;
    if (sub === 'show') {
      const answer = await requestConsole(endpoint, 'GET', path);
      printOutput(answer, values.json, (a) => JSON.stringify(a['escalation'], null, 2));
      return 0;
    }
    if (sub !== 'decide')
      throw usageError(`unknown subcommand ${JSON.stringify(sub)}`, ESCALATIONS_USAGE);
    return decide(endpoint, path, values);
  },
};

async function decide(
  endpoint: ConsoleEndpoint,
  path: string,
  values: Partial<Record<(typeof DECISIONS)[number], boolean>> & {
    context?: string;
    result?: string;
    by?: string;
    note?: string;
    json?: boolean;
  },
): Promise<number> {
  const chosen = DECISIONS.filter((d) => values[d] === true);
  const [type] = chosen;
  if (type === undefined || chosen.length > 1) {
    throw usageError(
      'decide takes exactly one of --retry, --resume, --skip, --restart-fresh, --stop',
      ESCALATIONS_USAGE,
    );
  }
  if (values.by === undefined) throw usageError('decide needs --by <name>', ESCALATIONS_USAGE);
  if (values.context !== undefined && type !== 'resume') {
    throw usageError('--context goes with --resume', ESCALATIONS_USAGE);
  }
  if ((values.result !== undefined) !== (type === 'skip')) {
    throw usageError(
      '--skip needs --result <file> (and --result goes with --skip)',
      ESCALATIONS_USAGE,
    );
  }
  const decision =
    type === 'resume' && values.context !== undefined
      ? { type, context: await readJson(values.context, '--context') }
      : type === 'skip'
        ? { type, result: await readJson(values.result as string, '--result') }
        : { type };
  const answer = await requestConsole(endpoint, 'POST', `${path}/decision`, {
    decision,
    by: values.by,
    ...(values.note === undefined ? {} : { note: values.note }),
  });
  printOutput(answer, values.json === true, (a) => {
    const record = a['escalation'] as Row;
    return `escalation ${record.id}: ${type} by ${values.by ?? ''}`;
  });
  return 0;
}

async function readJson(file: string, flag: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new RuntimeError(ErrorCode.InvalidOptions, `${flag} ${file}: ${messageOf(err)}`, {
      details: { issues: [{ path: flag, message: messageOf(err) }] },
    });
  }
}

function formatList(rows: readonly Row[]): string {
  if (rows.length === 0) return 'no escalations';
  return rows
    .map((r) => {
      const outcome =
        r.resolution === undefined
          ? 'open'
          : `resolved: ${r.resolution.decision.type}${r.resolution.by === undefined ? '' : ` by ${r.resolution.by}`}`;
      return `${r.id}  ${r.supervisor}/${r.child.id}  ${r.failureClass}  ${new Date(r.raisedAt).toISOString()}  ${outcome}`;
    })
    .join('\n');
}

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

const TREE_USAGE = `Usage: agentvisor tree [--url <console>] [--token <token>] [--json]

Shows the supervision tree a console serves: each supervisor's restarts used/allowed in its
window, each child's status, incarnation, restarts, mailbox depth, state and open escalation.

${CONSOLE_USAGE}`;

interface TreeNode {
  id: string;
  status: string;
  strategy: string;
  intensity: { used: number; allowed: number; periodMs: number };
  children: {
    id: string;
    status: string;
    incarnation: number;
    restarts: number;
    actor?: { mailboxSize: number; state: unknown };
    openEscalation?: string;
    supervisor?: TreeNode;
  }[];
}

/** `agentvisor tree`: the supervision tree, through a console. */
export const treeCommand: CliCommand = {
  name: 'tree',
  synopsis: 'tree [--url <console>] [--token <token>] [--json]',
  usage: TREE_USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, TREE_USAGE, CONSOLE_FLAGS);
    if (values.help === true) return printUsage(TREE_USAGE);
    const answer = await requestConsole(consoleEndpoint(values), 'GET', '/api/tree');
    printOutput(answer, values.json, (a) => formatTree(a['tree'] as TreeNode, ''));
    return 0;
  },
};

function formatTree(node: TreeNode, indent: string): string {
  const { used, allowed, periodMs } = node.intensity;
  const lines = [
    `${indent}${node.id} (supervisor ${node.status}, ${node.strategy}, restarts ${used}/${allowed} per ${periodMs} ms)`,
  ];
  for (const child of node.children) {
    if (child.supervisor !== undefined) {
      lines.push(formatTree(child.supervisor, `${indent}  `));
      continue;
    }
    const parts = [
      child.status,
      `incarnation ${child.incarnation}`,
      `restarts ${child.restarts}`,
      ...(child.actor === undefined
        ? []
        : [`mailbox ${child.actor.mailboxSize}`, `state ${JSON.stringify(child.actor.state)}`]),
      ...(child.openEscalation === undefined ? [] : [`escalation ${child.openEscalation}`]),
    ];
    lines.push(`${indent}  ${child.id}: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}

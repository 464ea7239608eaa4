/**
 * `agentvisor verify <agents module> [--policy <tree.yaml>] [--json]`: the pre-deploy check as a
 * CI gate. Every agent of the module is explored (checkAgent); with `--policy`, the supervision
 * tree too (checkTree). Prints a PASS/FAIL table with the shortest counterexample of each
 * failure, or the reports as JSON; exits 1 when anything fails, 2 on bad usage.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkAgent, type AgentCheckReport } from 'agentvisor/actors';
import type { ClusterAgent } from 'agentvisor/node';
import { checkTree, parsePolicyText, type TreeCheckReport } from 'agentvisor/supervisors';
import type { CliCommand } from './CliCommand.js';
import {
  importAgents,
  parseCommandArgs,
  positiveInteger,
  printOutput,
  printUsage,
  usageError,
} from './cliKit.js';

export const VERIFY_USAGE = `Usage: agentvisor verify <agents module> [--policy <tree.yaml>] [--json]

Checks every agent of the module before deploy: explores its machine with its effects
abstracted (done, an error of each failure class) and messages sampled from its schemas, and
reports each property (effect-error-path, progress, hot-states, approval-before-tool,
no-repeated-effect, messages-handled, timeouts-nest) PASS or FAIL with the shortest
counterexample. Exit code 1 when a property fails: use it as a CI gate.

Options:
  --policy      also check a supervision tree (policy YAML or JSON): bursts, crash loops,
                backoff against --task-ms, failure classes that never reach a person
  --task-ms     the task deadline agents run under (ms)
  --max-states  states explored per agent (default 20000)
  --json        print the reports as JSON
  -h, --help    show this help`;

/** What the verify command reports. */
export interface VerifyOutput {
  readonly agents: readonly AgentCheckReport[];
  readonly tree?: TreeCheckReport;
  readonly ok: boolean;
}

/** Runs the checks; the agents come from the module the CLI imported. */
export async function verify(
  agents: Readonly<Record<string, ClusterAgent>>,
  options: { policy?: string; taskMs?: number; maxStates?: number },
): Promise<VerifyOutput> {
  const reports = Object.entries(agents).map(([name, agent]) => {
    const logic = 'logic' in agent ? agent.logic : agent;
    const report = checkAgent(logic as Parameters<typeof checkAgent>[0], {
      ...(options.taskMs === undefined ? {} : { taskMs: options.taskMs }),
      ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    });
    return { ...report, agent: name };
  });
  const tree =
    options.policy === undefined
      ? undefined
      : checkTree(
          parsePolicyText(
            await readFile(options.policy, 'utf8'),
            options.policy.endsWith('.json') ? 'json' : 'yaml',
          ),
          options.taskMs === undefined ? {} : { taskMs: options.taskMs },
        );
  return {
    agents: reports,
    ...(tree === undefined ? {} : { tree }),
    ok: reports.every((r) => r.ok) && (tree?.ok ?? true),
  };
}

/** The table an operator reads. */
export function formatVerify(output: VerifyOutput): string {
  const lines: string[] = [];
  for (const report of output.agents) {
    const bound = report.bounded ? ', bounded' : '';
    lines.push(
      `agent ${report.agent}  (${String(report.states)} states, ${String(report.transitions)} transitions${bound})`,
    );
    for (const p of report.properties) {
      lines.push(`  ${p.ok ? 'PASS' : 'FAIL'}  ${p.property}${p.ok ? '' : `: ${p.detail ?? ''}`}`);
      for (const step of p.counterexample ?? [])
        lines.push(`          ${step.event} → ${step.state}`);
    }
  }
  if (output.tree !== undefined) {
    lines.push('tree');
    for (const p of output.tree.properties) {
      const where = p.path === undefined ? '' : ` [${p.path}]`;
      lines.push(
        `  ${p.ok ? 'PASS' : 'FAIL'}  ${p.property}${where}${p.ok ? '' : `: ${p.detail ?? ''}`}`,
      );
    }
    for (const w of output.tree.workers) {
      const down = Number.isFinite(w.rootDownAfterMs) ? `${String(w.rootDownAfterMs)} ms` : 'never';
      lines.push(
        `  ${w.path}: absorbs ${String(w.absorbedFailures)} failures; root down after ${down}`,
      );
    }
  }
  lines.push(output.ok ? 'verify: every property holds' : 'verify: FAILED');
  return lines.join('\n');
}

/** `agentvisor verify`: exit 0 when every property holds, 1 when one fails. */
export const verifyCommand: CliCommand = {
  name: 'verify',
  synopsis: 'verify <agents module> [--policy <tree.yaml>] [--json]',
  usage: VERIFY_USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      VERIFY_USAGE,
      {
        policy: { type: 'string' },
        'task-ms': { type: 'string' },
        'max-states': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help === true) return printUsage(VERIFY_USAGE);
    const [module] = positionals;
    if (module === undefined || positionals.length > 1) {
      throw usageError('give one agents module', VERIFY_USAGE);
    }
    const taskMs = positiveInteger('--task-ms', values['task-ms'], VERIFY_USAGE);
    const maxStates = positiveInteger('--max-states', values['max-states'], VERIFY_USAGE);
    const output = await verify(await importAgents(resolve(module)), {
      ...(values.policy === undefined ? {} : { policy: values.policy }),
      ...(taskMs === undefined ? {} : { taskMs }),
      ...(maxStates === undefined ? {} : { maxStates }),
    });
    printOutput(output, values.json, formatVerify);
    return output.ok ? 0 : 1;
  },
};

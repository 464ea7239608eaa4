/**
 * `agentvisor verify` as a CI gate, run as a user would (the CLI in its own process): a planted
 * agent that can wipe a disk without approval fails with its shortest counterexample and exit
 * code 1; the careful agent alone passes with 0; `--json` is machine-readable; `--policy` adds
 * the tree check; bad usage exits 2.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { runCli } from '../cluster/fixtures/nodeProcess.js';

const agents = fileURLToPath(new URL('./fixtures/verifyAgents.ts', import.meta.url));
let tmp: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('cli-verify');
});
afterAll(async () => {
  await tmp.remove();
});

describe('agentvisor verify', () => {
  it('fails on an agent that runs a destructive tool without approval, with the path', async () => {
    const run = await runCli(['verify', agents]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('agent hasty');
    expect(run.out).toMatch(
      /FAIL {2}approval-before-tool: tool wipe runs without a person's approval/,
    );
    expect(run.out).toContain('disk.wipe {"disk":"a"} → runs wipe');
    expect(run.out).toMatch(/agent careful[\s\S]*PASS {2}approval-before-tool/);
    expect(run.out.trim().endsWith('verify: FAILED')).toBe(true);
  }, 60_000);

  it('passes the careful agent alone (exit 0) and prints JSON with --json', async () => {
    const env = { AGENTVISOR_VERIFY_ONLY: 'careful' };
    const run = await runCli(['verify', agents], env);
    expect(run.code).toBe(0);
    expect(run.out.trim().endsWith('verify: every property holds')).toBe(true);
    const json = await runCli(['verify', agents, '--json'], env);
    const parsed = JSON.parse(json.out) as {
      ok: boolean;
      agents: { agent: string; ok: boolean }[];
    };
    expect(parsed).toMatchObject({ ok: true, agents: [{ agent: 'careful', ok: true }] });
  }, 60_000);

  it('--policy adds the tree check; a crash loop that never escalates fails it', async () => {
    const policy = join(tmp.dir, 'tree.yaml');
    await writeFile(
      policy,
      'root:\n  id: root\n  intensity: 3\n  periodMs: 1000\n  backoff: { minMs: 500, maxMs: 5000, jitter: 0 }\n  children:\n    - { id: w, agent: careful }\n',
    );
    const run = await runCli(['verify', agents, '--policy', policy], {
      AGENTVISOR_VERIFY_ONLY: 'careful',
    });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/FAIL {2}crash-loop-escalates \[root\]/);
    expect(run.out).toContain('root/w: absorbs 3 failures; root down after never');
  }, 60_000);

  it('bad usage exits 2 with the command usage', async () => {
    const run = await runCli(['verify']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('give one agents module');
    const flag = await runCli(['verify', agents, '--max-states', 'lots']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('--max-states takes a positive integer');
  }, 60_000);
});

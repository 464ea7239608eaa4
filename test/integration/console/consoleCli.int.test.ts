import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, VIEWER, startConsole } from '../../ops/http/consoleFixture.js';

// The console commands as an operator runs them (a process) against a console served here.
const root = fileURLToPath(new URL('../../../', import.meta.url));

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AGENTVISOR_TOKEN: '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code, out, err });
    });
  });
}

type Console = Awaited<ReturnType<typeof startConsole>>;
let c: Console | undefined;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentvisor-console-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await c?.stop();
  c = undefined;
});
const flags = (token = OPERATOR) => ['--url', (c as Console).server.url, '--token', token];

// Each test spawns several CLI processes (~1 s each on a loaded machine).
describe('console CLI commands', { timeout: 120_000 }, () => {
  it('tree and actors print text and --json', async () => {
    c = await startConsole();
    const id = await c.park();
    const tree = await cli(['tree', ...flags(VIEWER)]);
    expect(tree.err).toBe('');
    expect(tree.code).toBe(0);
    expect(tree.out).toContain('root (supervisor running');
    expect(tree.out).toMatch(
      new RegExp(`^  w: parked, incarnation 1, restarts 0, .*escalation ${id}$`, 'm'),
    );
    const json = await cli(['tree', '--json', ...flags(VIEWER)]);
    expect(JSON.parse(json.out)).toMatchObject({ tree: { id: 'root' }, openEscalations: 1 });
    const actors = await cli(['actors', ...flags(VIEWER)]);
    expect(actors.code).toBe(0);
    expect(actors.out).toMatch(/^v: running, incarnation 1, mailbox 0/m);
    // The token from AGENTVISOR_TOKEN when --token is absent.
    const actorsJson = await cli(['actors', '--json', '--url', c.server.url], {
      AGENTVISOR_TOKEN: VIEWER,
    });
    expect(JSON.parse(actorsJson.out)).toHaveProperty('actors');
  });

  it('journal pages an actor journal and reports a page past the end', async () => {
    c = await startConsole();
    c.system.tell('v', 'work.add', { n: 1 });
    c.system.tell('v', 'work.add', { n: 2 });
    await c.system.settled();
    const page = await cli(['journal', 'v', '--limit', '1', ...flags(VIEWER)]);
    expect(page.code).toBe(0);
    expect(page.out).toContain('(more: --from 2)');
    const json = await cli(['journal', 'v', '--json', ...flags(VIEWER)]);
    expect(JSON.parse(json.out)).toMatchObject({ actor: 'v', from: 1 });
    const past = await cli(['journal', 'v', '--from', '999', ...flags(VIEWER)]);
    expect(past.code).toBe(1);
    expect(past.err).toContain('error [ERR_JOURNAL_RANGE]');
    const usage = await cli(['journal', ...flags(VIEWER)]);
    expect(usage.code).toBe(2);
  });

  it('escalations list, show and decide (--resume with a context file); a viewer is refused', async () => {
    c = await startConsole();
    const id = await c.park();
    const list = await cli(['escalations', ...flags(VIEWER)]);
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${id}  root/w  auth`);
    const filtered = await cli(['escalations', 'list', '--status', 'resolved', ...flags(VIEWER)]);
    expect(filtered.out).toContain('no escalations');
    const show = await cli(['escalations', 'show', id, '--json', ...flags(VIEWER)]);
    expect(JSON.parse(show.out)).toMatchObject({ escalation: { id, failureClass: 'auth' } });
    const context = join(dir, 'context.json');
    writeFileSync(context, JSON.stringify({ total: 42 }));
    const refused = await cli([
      'escalations',
      'decide',
      id,
      '--resume',
      '--context',
      context,
      '--by',
      'eve',
      ...flags(VIEWER),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('error [ERR_FORBIDDEN]');
    const decided = await cli([
      'escalations',
      'decide',
      id,
      '--resume',
      '--context',
      context,
      '--by',
      'alice',
      '--note',
      'rotated',
      ...flags(),
    ]);
    expect(decided.err).toBe('');
    expect(decided.code).toBe(0);
    expect(decided.out).toContain(`escalation ${id}: resume by alice`);
    await c.system.settled();
    await expect(c.system.ask('w', 'work.get')).resolves.toMatchObject({ total: 42 });
    const again = await cli(['escalations', 'decide', id, '--stop', '--by', 'bob', ...flags()]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('error [ERR_ESCALATION_CLOSED]');
    const twoDecisions = await cli([
      'escalations',
      'decide',
      id,
      '--stop',
      '--retry',
      '--by',
      'x',
      ...flags(),
    ]);
    expect(twoDecisions.code).toBe(2);
    const noBy = await cli(['escalations', 'decide', id, '--stop', ...flags()]);
    expect(noBy.code).toBe(2);
  });

  it('escalations decide --skip with a result file', async () => {
    c = await startConsole();
    const id = await c.park();
    const result = join(dir, 'result.json');
    writeFileSync(result, 'null');
    const decided = await cli([
      'escalations',
      'decide',
      id,
      '--skip',
      '--result',
      result,
      '--by',
      'al',
      '--json',
      ...flags(),
    ]);
    expect(decided.code).toBe(0);
    expect(JSON.parse(decided.out)).toMatchObject({
      escalation: { status: 'resolved', resolution: { decision: { type: 'skip' } } },
    });
  });

  it('checkpoint takes one, lists them and forks; the console unreachable is ERR_CONNECTION', async () => {
    c = await startConsole();
    c.system.tell('v', 'work.add', { n: 9 });
    await c.system.settled();
    const taken = await cli(['checkpoint', 'v', ...flags()]);
    expect(taken.code).toBe(0);
    expect(taken.out).toMatch(/checkpoint of v: revision \d+/);
    const list = await cli(['checkpoint', 'v', '--list', '--json', ...flags(VIEWER)]);
    expect(JSON.parse(list.out)).toMatchObject({ actor: 'v' });
    const fork = await cli(['checkpoint', 'v', '--fork', 'v2', ...flags()]);
    expect(fork.code).toBe(0);
    await expect(c.system.ask('v2', 'work.get')).resolves.toMatchObject({ total: 9 });
    const missing = await cli(['checkpoint', 'nope', ...flags()]);
    expect(missing.err).toContain('error [ERR_ACTOR_NOT_FOUND]');
    const port = c.server.port;
    await c.stop();
    c = undefined;
    const down = await cli(['tree', '--url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.err).toContain('error [ERR_CONNECTION]');
  });
});

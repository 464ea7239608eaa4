import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as an operator runs it (a process; exit code, stdout, stderr). None of these reach a
// NATS server: they end before connecting. Loading a .ts agents module through the installed
// `agentvisor` bin (no tsx preloaded) is covered by test/integration/package/package.int.test.ts.
const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
).version;

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/cli.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
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

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentvisor-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Each test spawns the CLI, which tsx transpiles on start: seconds of CPU on a loaded machine. A
// process start is not what these tests time, so they get the integration project's budget.
describe('agentvisor CLI', { timeout: 30_000 }, () => {
  it('prints the package version with --version and exits 0', async () => {
    const run = await cli(['--version']);
    expect(run.code).toBe(0);
    expect(run.out.trim()).toBe(version);
  });

  it.each([
    [['node', '--help'], '--config'],
    [['node', '-h'], '--config'],
    [['status', '--help'], '--namespace'],
    [['help', 'status'], '--namespace'],
  ])('prints the help of the subcommand for %j and exits 0', async (args, flag) => {
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toContain(flag);
    // --help wins over a missing required flag: `node --help` does not ask for --config.
    expect(run.out).not.toContain('error');
  });

  it('refuses an unknown flag with exit code 2', async () => {
    const run = await cli(['status', '--bogus']);
    expect(run.code).toBe(2);
  });

  it('reports why an agents module cannot load, with the underlying code', async () => {
    writeFileSync(
      join(dir, 'cluster.yaml'),
      'namespace: t\nnode: n1\nservers: nats://127.0.0.1:1\nagents: ./agents.mjs\n',
    );
    writeFileSync(
      join(dir, 'agents.mjs'),
      "import './no-such-module.js';\nexport const agents = {};\n",
    );
    const run = await cli(['node', '--config', join(dir, 'cluster.yaml')]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('[ERR_INVALID_OPTIONS]');
    expect(run.err).toContain('ERR_MODULE_NOT_FOUND');
  });
});

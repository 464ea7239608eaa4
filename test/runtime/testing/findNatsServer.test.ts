import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer } from 'agentvisor/testing';
import { natsServerSearchDirs } from '../../../runtime/testing/findNatsServer.js';

/**
 * Two copies of the nats-server search exist on purpose: runtime/testing/findNatsServer.ts (the
 * published one) and scripts/find-nats-server.mjs (plain node, run before `npm ci` by .ci/run and
 * by scripts/ensure-nats-server.mjs). These tests prove they give the same answer.
 */
interface ScriptSearch {
  findNatsServer(): string | undefined;
  natsServerSearchDirs(): string[];
}

const scriptPath = fileURLToPath(new URL('../../../scripts/find-nats-server.mjs', import.meta.url));
let script: ScriptSearch;
let root: string;
/** A dir with an executable nats-server, one with a non-executable one, one without any. */
let withBinary: string;
let notExecutable: string;
let empty: string;

const saved = { PATH: process.env['PATH'], NATS_SERVER_BIN: process.env['NATS_SERVER_BIN'] };

function restore(): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
}

function fakeBinary(dir: string, mode: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nats-server');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, mode);
  return file;
}

beforeAll(async () => {
  // A specifier tsc does not resolve: the script has no types of its own.
  script = (await import(scriptPath)) as ScriptSearch;
  root = mkdtempSync(join(tmpdir(), 'agentvisor-find-nats-'));
  withBinary = join(root, 'bin');
  notExecutable = join(root, 'noexec');
  empty = join(root, 'empty');
  fakeBinary(withBinary, 0o755);
  fakeBinary(notExecutable, 0o644);
  mkdirSync(empty);
});

afterEach(() => {
  restore();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('findNatsServer', () => {
  const cases: [string, () => { bin?: string; path: string[] }][] = [
    [
      'NATS_SERVER_BIN naming an executable',
      () => ({ bin: join(withBinary, 'nats-server'), path: [] }),
    ],
    [
      'NATS_SERVER_BIN naming a file that is not executable, with one on PATH',
      () => ({
        bin: join(notExecutable, 'nats-server'),
        path: [withBinary],
      }),
    ],
    ['NATS_SERVER_BIN naming a directory', () => ({ bin: withBinary, path: [withBinary] })],
    ['NATS_SERVER_BIN naming nothing', () => ({ bin: join(root, 'missing'), path: [withBinary] })],
    ['an empty NATS_SERVER_BIN (taken as unset)', () => ({ bin: '', path: [empty, withBinary] })],
    [
      'PATH whose first hit is not executable',
      () => ({ path: [empty, notExecutable, withBinary] }),
    ],
    ['PATH without any (the extra directories decide)', () => ({ path: [empty] })],
    ['an empty PATH', () => ({ path: [] })],
  ];

  it.each(cases)('gives the same answer as scripts/find-nats-server.mjs for %s', (_label, make) => {
    const { bin, path } = make();
    process.env['PATH'] = path.join(delimiter);
    if (bin === undefined) delete process.env['NATS_SERVER_BIN'];
    else process.env['NATS_SERVER_BIN'] = bin;
    expect(script.findNatsServer()).toBe(findNatsServer());
    expect(script.natsServerSearchDirs()).toEqual(natsServerSearchDirs());
  });

  it('takes NATS_SERVER_BIN alone when set, and else the first executable on PATH', () => {
    process.env['PATH'] = [empty, notExecutable, withBinary].join(delimiter);
    delete process.env['NATS_SERVER_BIN'];
    expect(findNatsServer()).toBe(join(withBinary, 'nats-server'));
    process.env['NATS_SERVER_BIN'] = join(notExecutable, 'nats-server');
    expect(findNatsServer()).toBeUndefined();
  });

  it('runs as a CLI: prints the path and exits 0, or exits 1 with nothing on stdout', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [scriptPath], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const found = run({ NATS_SERVER_BIN: join(withBinary, 'nats-server') });
    expect(found.status).toBe(0);
    expect(found.stdout.trim()).toBe(join(withBinary, 'nats-server'));
    const missing = run({ NATS_SERVER_BIN: join(root, 'missing') });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
  });
});

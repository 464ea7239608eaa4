import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs an example as `npm start` does and collects its output. */
function runExample(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code, out });
    });
  });
}

describe('examples/team (npm start)', () => {
  it('runs on the embedded default and tells its story', async () => {
    const { code, out } = await runExample('examples/team/main.ts');
    expect(code).toBe(0);
    expect(out).toContain('summary');
    expect(out).toMatch(/tasks completed by the coordinator: 3/);
    expect(out).toContain('refused: ERR_UNHANDLED');
    expect(out).toContain('refused: ERR_INVALID_MESSAGE');
    expect(out).toContain('refused: ERR_TIMEOUT');
    expect(out).toContain('unknown-actor: archive.put for archivist [ERR_ACTOR_NOT_FOUND]');
  });
});

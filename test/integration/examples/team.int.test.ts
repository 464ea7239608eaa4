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
    // Supervision: a one-for-all restart after backoff, and a human decision acted on.
    expect(out).toMatch(/team: restart \[researcher, critic\] in 150 ms/);
    expect(out).toContain('researcher answered after its restart');
    expect(out).toMatch(/publisher decision "retry" by human/);
    expect(out).toContain('posts published:                    1');
    // Durability: resumed in a new process without repeating the model call.
    expect(out).toContain('durable writer: model calls 1, articles published 1');
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('examples/cluster (npm run example:cluster)', () => {
  it('kills a node mid-work and shows its agents resuming on the others with nothing lost', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'examples/cluster/main.ts'], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.stderr.on('data', (d: Buffer) => (text += d.toString()));
        child.on('error', reject);
        child.on('exit', (exit) => {
          resolve({ code: exit, out: text });
        });
      },
    );
    expect(out).toContain('the team is placed');
    expect(out).toMatch(/SIGKILL node-1 mid-work/);
    expect(out).toMatch(/writer-1 +resumed on node-[23]/);
    expect(out).toContain('summary: 72 tasks, lost 0, handled twice 0');
    expect(code).toBe(0);
  }, 150_000);
});

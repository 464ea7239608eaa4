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
    // Resilience, each line from a runtime event: a 429 retried after its Retry-After, the
    // primary's breaker opening, a fallback to the backup, a blocked injection, a repaired
    // output, the degraded strategy, and a half-open probe closing the breaker.
    expect(out).toMatch(
      /retry model:sim-primary after rate-limit \(Retry-After 300 ms\): attempt 2 in 300 ms/,
    );
    expect(out).toMatch(/breaker model:sim-primary: closed -> open \(failures\)/);
    expect(out).toMatch(/fallback in main: sim-primary failed \(transient\)/);
    expect(out).toMatch(/answered by sim-backup \[normal\]/);
    expect(out).toMatch(/screened input: block .* injection blocked/);
    expect(out).toContain('refused: ERR_INPUT_BLOCKED');
    expect(out).toMatch(/repaired invalid output of structured after 2 attempts/);
    expect(out).toContain('{"claim":"caching halves cost","confidence":0.8}');
    expect(out).toMatch(/degraded strategy for main \(chain-exhausted\): using direct/);
    expect(out).toMatch(/answered by sim-local \[degraded\]/);
    expect(out).toMatch(/breaker model:sim-primary: half-open -> closed \(probes-succeeded\)/);
    expect(out).toContain('analyst: answered 5 (degraded 1), refused 1');
    // The same story, counted by the metrics registry: none of these may be zero.
    expect(out).toMatch(
      /resilience metrics: model calls [1-9]\d*, retries [1-9]\d*, fallbacks [1-9]\d*, breaker transitions [1-9]\d*, repairs [1-9]\d*, screened [1-9]\d*, degradations [1-9]\d*/,
    );
  });
});

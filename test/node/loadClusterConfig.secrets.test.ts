import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRuntimeError, type RuntimeError } from 'agentvisor';
import { loadClusterConfig } from 'agentvisor/node';
import { makeTempDir } from '../runtime/persistence/tempDir.js';

const SECRET = 'hunter2-Pw-s3cret-K';

let tmp: { dir: string; remove(): Promise<void> };
beforeEach(async () => {
  tmp = await makeTempDir('cluster-config-secrets');
});
afterEach(async () => {
  await tmp.remove();
});

/** The config file's load error, with everything it says (message, details, causes) as text. */
async function loadError(text: string): Promise<{ err: RuntimeError; said: string }> {
  const path = join(tmp.dir, 'cluster.yaml');
  await writeFile(path, text);
  const err: unknown = await loadClusterConfig(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; depth++) {
    parts.push(
      e.message,
      e.stack ?? '',
      JSON.stringify(isRuntimeError(e) ? (e.details ?? {}) : {}),
    );
    e = e.cause;
  }
  return { err: err as RuntimeError, said: parts.join('\n') };
}

describe('loadClusterConfig never quotes a secret (item K)', () => {
  // Each is a YAML syntax error on the line that holds the secret: the parser's code frame would
  // quote that line, and some of its reasons quote the offending token.
  const broken = {
    'an unclosed flow map': `node: n1\nauth: { type: user, user: av, password: ${SECRET} ]\n`,
    'a flow map that never ends': `node: n1\nauth: { type: user, user: av, password: ${SECRET}\n`,
    'a block scalar header with extra characters': `node: n1\nauth:\n  type: token\n  token: |${SECRET}\n    x\n`,
    'a bad escape in a quoted password': `node: n1\nauth: { type: user, user: av, password: "${SECRET}\\q" }\n`,
    'a colon inside a flow value': `auth: { type: token, token: ${SECRET}: x }\n`,
  };

  for (const [what, text] of Object.entries(broken)) {
    it(`reports ${what} with its line and column, without the line`, async () => {
      const { err, said } = await loadError(text);
      expect(said).not.toContain(SECRET);
      expect(said).not.toContain(SECRET.slice(0, 8));
      expect(typeof err.details?.['line']).toBe('number');
      expect(typeof err.details?.['column']).toBe('number');
      expect(typeof err.details?.['yamlCode']).toBe('string');
    });
  }

  it('reports a validation problem of a file without the values of its secret fields', async () => {
    const { err, said } = await loadError(
      `node: n1\nheartbeatMs: -5\nauth: { type: user, user: av, password: ${SECRET}, extra: ${SECRET} }\n`,
    );
    expect(said).not.toContain(SECRET);
    const paths = (err.details?.['issues'] as { path: string }[]).map((i) => i.path);
    expect(paths).toContain('heartbeatMs');
  });
});

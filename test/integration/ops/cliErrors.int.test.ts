/**
 * Error paths of the CLI that need no nats-server: `agentvisor status` against a server that is
 * not there (issue 10 item V) prints `error [ERR_CONNECTION]: …` and exits 1, instead of a bare
 * `error: connection refused`; a config file with a syntax error on its `auth` line (item K)
 * prints `error [ERR_INVALID_OPTIONS]: …` without the password.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { runCli } from '../cluster/fixtures/nodeProcess.js';

/** A port that was just free: nothing listens on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  return port;
}

describe('agentvisor CLI without a reachable server', () => {
  it('status against a closed port prints ERR_CONNECTION and exits 1', async () => {
    const port = await closedPort();
    const run = await runCli(['status', '--server', `nats://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^error \[ERR_CONNECTION\]: /);
    expect(run.out).toBe('');
  });

  it('status against a host that does not resolve prints ERR_CONNECTION and exits 1', async () => {
    // `.invalid` never resolves (RFC 2606); no lookup leaves the machine's resolver for long.
    const run = await runCli(['status', '--server', 'nats://agentvisor-test.invalid:4222']);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^error \[ERR_CONNECTION\]: /);
  });

  it('never prints the credentials of a server URL it cannot reach', async () => {
    const port = await closedPort();
    const run = await runCli([
      'status',
      '--server',
      `nats://av:pw-url-s3cret-Zq9@127.0.0.1:${port}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^error \[ERR_CONNECTION\]: /);
    expect(run.err + run.out).not.toContain('pw-url-s3cret-Zq9');
  });
});

describe('agentvisor CLI with a broken config file', () => {
  it('node --config with a syntax error on the auth line never prints the password', async () => {
    const tmp = await makeTempDir('cli-config-secret');
    try {
      const config = join(tmp.dir, 'cluster.yaml');
      const password = 'pw-cli-yaml-s3cret-Lm4';
      await writeFile(config, `node: n1\nauth: { type: user, user: av, password: ${password} ]\n`);
      const run = await runCli(['node', '--config', config]);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/^error \[ERR_INVALID_OPTIONS\]: /);
      expect(run.err + run.out).not.toContain(password);
    } finally {
      await tmp.remove();
    }
  });
});

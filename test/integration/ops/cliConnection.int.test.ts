/**
 * `agentvisor status` against a server that is not there (issue 10 item V): the CLI prints
 * `error [ERR_CONNECTION]: …` and exits 1, instead of a bare `error: connection refused`.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
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

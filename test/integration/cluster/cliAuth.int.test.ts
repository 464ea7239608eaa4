/**
 * `agentvisor node` and `agentvisor status` against a nats-server that requires a password and
 * TLS (issue #5): the right credentials join and read the cluster, a refused one is ERR_AUTH with
 * a nonzero exit, a missing CA or client certificate is ERR_TLS, and no password is ever printed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { mintOperatorCredentials } from '../transport/operatorCredentials.js';
import { runCli, startNodeProcess, type NodeProcess } from './fixtures/nodeProcess.js';
import { waitFor } from './fixtures/waitFor.js';

const agentsModule = fileURLToPath(new URL('./fixtures/agents.ts', import.meta.url));
// Distinctive, so a search of the output for them cannot miss.
const PASSWORD = 'pw-cli-s3cret-Qa71';
const WRONG_PASSWORD = 'pw-cli-wrong-Hz42';

let server: NatsServerHandle;
let caFile: string;
let tmp: { dir: string; remove(): Promise<void> };
const processes: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer({ auth: { user: 'av', password: PASSWORD }, tls: true });
  if (server.tls === undefined) throw new Error('the server was started without TLS files');
  caFile = server.tls.caFile;
  tmp = await makeTempDir('cluster-cli-auth');
});

afterEach(async () => {
  for (const p of processes) p.signal('SIGKILL');
  await Promise.all(processes.splice(0).map((p) => p.exited));
});

afterAll(async () => {
  await server.stop();
  await tmp.remove();
});

/** A config of one unit whose `auth` and `tls` are in the file. */
async function writeConfig(namespace: string, password: string): Promise<string> {
  const path = join(tmp.dir, `${namespace}.yaml`);
  await writeFile(
    path,
    [
      `namespace: ${namespace}`,
      `agents: ${agentsModule}`,
      `auth: { type: user, user: av, password: ${password} }`,
      `tls: { caFile: ${JSON.stringify(caFile)} }`,
      'units:',
      '  - { name: u1, agent: tally }',
      '',
    ].join('\n'),
  );
  return path;
}

function status(namespace: string, env: Record<string, string>, flags: string[] = []) {
  return runCli(
    ['status', '--server', server.url, '--namespace', namespace, '--json', ...flags],
    env,
  );
}

describe('agentvisor node and status with NATS auth and TLS', () => {
  it('a node started from a config with the right credentials joins; status reads it with --user/NATS_PASSWORD and --tls-ca', async () => {
    const node = startNodeProcess(await writeConfig('good', PASSWORD), 'n1', server.url);
    processes.push(node);
    const s = await waitFor(
      'n1 running u1',
      async () => {
        const r = await status('good', { NATS_USER: 'av', NATS_PASSWORD: PASSWORD }, [
          '--tls-ca',
          caFile,
        ]);
        if (r.code !== 0) throw new Error(`status failed (${String(r.code)}): ${r.err}`);
        const parsed = JSON.parse(r.out) as ClusterStatus;
        return parsed.placements.some((p) => p.unit === 'u1' && p.record?.node === 'n1') && parsed;
      },
      45_000,
    ).catch((err: unknown) => {
      process.stderr.write(`--- n1\n${node.output()}\n`);
      throw err;
    });
    expect(s.nodes.map((n) => n.record.node)).toEqual(['n1']);
    expect(node.output()).not.toContain(PASSWORD);
  }, 60_000);

  it('a node whose config has a wrong password exits nonzero with ERR_AUTH, without printing it', async () => {
    const node = startNodeProcess(await writeConfig('bad', WRONG_PASSWORD), 'n2', server.url);
    processes.push(node);
    expect(await node.exited).toBe(1);
    expect(node.output()).toContain('[ERR_AUTH]');
    expect(node.output()).not.toContain(WRONG_PASSWORD);
    expect(node.output()).not.toContain(PASSWORD);
  });

  it('status with a refused password prints ERR_AUTH and exits 1, without printing the password', async () => {
    const r = await status('good', { NATS_USER: 'av', NATS_PASSWORD: WRONG_PASSWORD }, [
      '--tls-ca',
      caFile,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_AUTH]');
    expect(r.out + r.err).not.toContain(WRONG_PASSWORD);
  });

  it('status without the CA that signs the server certificate prints ERR_TLS and exits 1', async () => {
    const r = await status('good', { NATS_USER: 'av', NATS_PASSWORD: PASSWORD }, ['--tls']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_TLS]');
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it('status without a client certificate, against a server that requires one, prints ERR_TLS and exits 1', async () => {
    await using verifying = await startNatsServer({
      jetstream: false,
      tls: { verifyClients: true },
    });
    const r = await runCli([
      'status',
      '--server',
      verifying.url,
      '--tls-ca',
      verifying.tls?.caFile ?? '',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_TLS]');
    expect(r.err).toContain('requires a client certificate');
  });

  it('status refuses two kinds of auth at once as bad usage (exit 2), printing neither secret', async () => {
    const r = await status('good', {
      NATS_USER: 'av',
      NATS_PASSWORD: PASSWORD,
      NATS_TOKEN: 'tok-cli-s3cret-Pp09',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('give one kind of NATS auth');
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out + r.err).not.toContain('tok-cli-s3cret-Pp09');
  });
});

describe('agentvisor status --creds (operator mode)', () => {
  const minted = mintOperatorCredentials();
  let operator: NatsServerHandle;
  beforeAll(async () => {
    operator = await startNatsServer({ jetstream: false, config: minted.serverConfig });
  });
  afterAll(async () => {
    await operator.stop();
  });

  it('a credentials file the operator never signed is ERR_AUTH, exit 1, without its seed', async () => {
    const file = join(tmp.dir, 'stranger.creds');
    await writeFile(file, minted.strangerCreds, { mode: 0o600 });
    const r = await runCli(['status', '--server', operator.url, '--creds', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_AUTH]');
    const seed = /SU[A-Z2-7]{50,}/.exec(minted.strangerCreds)?.[0];
    expect(seed).toBeDefined();
    expect(r.out + r.err).not.toContain(seed);
  });

  it('a file that is not a credentials file is ERR_INVALID_OPTIONS, exit 1', async () => {
    const file = join(tmp.dir, 'not.creds');
    await writeFile(file, 'hello\n');
    const r = await runCli(['status', '--server', operator.url, '--creds', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_INVALID_OPTIONS]');
    expect(r.err).toContain('is not a NATS credentials file');
  });
});

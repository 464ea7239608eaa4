import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, nkeys } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  createActorSystem,
  createLogger,
  isRuntimeError,
  respond,
  type Logger,
  type NatsTransportOptions,
} from 'agentvisor';
import {
  generateTestCertificates,
  startNatsServer,
  type NatsServerHandle,
} from 'agentvisor/testing';
import { setup } from 'xstate';
import { mintOperatorCredentials } from './operatorCredentials.js';

// Each server asks for one kind of credential; the secrets are distinctive strings so a search of
// logs and errors for them cannot miss.
const PASSWORD = 'pw-s3cret-Zq81';
const WRONG_PASSWORD = 'pw-wrong-Kx02';
const TOKEN = 'tok-s3cret-Lm55';
const WRONG_TOKEN = 'tok-wrong-Vb63';

const echo = setup({}).createMachine({
  on: { ping: { actions: respond(() => 'pong') } },
});

/** A log that keeps every line, to be searched for secrets. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: {
      write: (line: string) => {
        lines.push(line);
      },
    },
  });
  return { logger, lines };
}

/** Connects, answers one ask through the server, and closes: proof that the connection works. */
async function roundTrip(
  url: string,
  options: NatsTransportOptions,
  logger?: Logger,
): Promise<unknown> {
  const transport = await NatsTransport.connect(
    { servers: url },
    options,
    logger === undefined ? {} : { logger },
  );
  const system = createActorSystem({ namespace: 'auth' }, { transport });
  try {
    system.spawn('echo', echo);
    return await system.ask('echo', 'ping', undefined, { timeoutMs: 5_000 });
  } finally {
    await system.shutdown();
    await transport.close();
  }
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    const value = await promise;
    if (value instanceof NatsTransport) await value.close();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a refusal, got a connection');
}

/** Everything about an error a person or a log could see. */
function visible(err: Error): string {
  const e = err as Error & { details?: unknown; cause?: unknown };
  return `${e.message} ${JSON.stringify(e.details ?? null)} ${String(e.stack)} ${
    e.cause instanceof Error ? e.cause.message : String(e.cause)
  }`;
}

describe('NatsTransport.connect with user and password', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({
      jetstream: false,
      auth: { user: 'alice', password: PASSWORD },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects with the right password, and nothing secret reaches the log', async () => {
    const { logger, lines } = recordingLogger();
    const auth = { type: 'user', user: 'alice', password: PASSWORD } as const;
    expect(await roundTrip(server.url, { auth }, logger)).toBe('pong');
    expect(lines.length).toBeGreaterThan(0); // the log did record the connection's life
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses a wrong password at once with ERR_AUTH, even while waiting for a server', async () => {
    const { logger, lines } = recordingLogger();
    const err = await refusal(
      NatsTransport.connect(
        { servers: server.url, waitOnFirstConnect: true },
        { auth: { type: 'user', user: 'alice', password: WRONG_PASSWORD } },
        { logger },
      ),
    );
    expect(isRuntimeError(err, 'ERR_AUTH')).toBe(true);
    expect(visible(err)).not.toContain(WRONG_PASSWORD);
    expect(lines.join('\n')).not.toContain(WRONG_PASSWORD);
  });

  it('refuses a client that brings no credentials with ERR_AUTH', async () => {
    const err = await refusal(NatsTransport.connect({ servers: server.url }));
    expect(isRuntimeError(err, 'ERR_AUTH')).toBe(true);
  });
});

describe('NatsTransport.connect with a token', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, auth: { token: TOKEN } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects with the right token', async () => {
    const { logger, lines } = recordingLogger();
    expect(await roundTrip(server.url, { auth: { type: 'token', token: TOKEN } }, logger)).toBe(
      'pong',
    );
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a wrong token with ERR_AUTH, and the token is in no message', async () => {
    const err = await refusal(
      NatsTransport.connect(
        { servers: server.url },
        { auth: { type: 'token', token: WRONG_TOKEN } },
      ),
    );
    expect(isRuntimeError(err, 'ERR_AUTH')).toBe(true);
    expect(visible(err)).not.toContain(WRONG_TOKEN);
  });
});

describe('NatsTransport.connect with an nkey', () => {
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, auth: { nkey: user.getPublicKey() } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects with the seed inline or from a file, and the seed is never logged', async () => {
    const { logger, lines } = recordingLogger();
    expect(await roundTrip(server.url, { auth: { type: 'nkey', seed } }, logger)).toBe('pong');
    const seedFile = join(server.storeDir, 'user.nk');
    await writeFile(seedFile, `${seed}\n`, { mode: 0o600 });
    expect(await roundTrip(server.url, { auth: { type: 'nkey', seedFile } }, logger)).toBe('pong');
    expect(lines.join('\n')).not.toContain(seed);
  });

  it('refuses an nkey the server does not know with ERR_AUTH', async () => {
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    const err = await refusal(
      NatsTransport.connect({ servers: server.url }, { auth: { type: 'nkey', seed: stranger } }),
    );
    expect(isRuntimeError(err, 'ERR_AUTH')).toBe(true);
    expect(visible(err)).not.toContain(stranger);
  });

  it('refuses a malformed seed before connecting, with ERR_INVALID_OPTIONS and no seed text', async () => {
    const bogus = 'SUNOTAREALSEEDATALL';
    const err = await refusal(
      NatsTransport.connect({ servers: server.url }, { auth: { type: 'nkey', seed: bogus } }),
    );
    expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
    expect(visible(err)).not.toContain(bogus);
  });
});

describe('NatsTransport.connect options for credentials', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses a credentials file that is missing or is not one, naming the file, not its text', async () => {
    const missing = await refusal(
      NatsTransport.connect(
        { servers: server.url },
        { auth: { type: 'credentials', file: join(server.storeDir, 'nope.creds') } },
      ),
    );
    expect(isRuntimeError(missing, 'ERR_INVALID_OPTIONS')).toBe(true);
    expect(missing.message).toContain('nope.creds');

    const file = join(server.storeDir, 'bogus.creds');
    await writeFile(file, 'secret-looking-junk-Qw71');
    const bogus = await refusal(
      NatsTransport.connect({ servers: server.url }, { auth: { type: 'credentials', file } }),
    );
    expect(isRuntimeError(bogus, 'ERR_INVALID_OPTIONS')).toBe(true);
    expect(visible(bogus)).not.toContain('secret-looking-junk-Qw71');
  });

  it('validates auth and tls options with paths, and keeps them to connect', async () => {
    const cases: NatsTransportOptions[] = [
      { auth: { type: 'nkey', seed: 'SU', seedFile: '/tmp/x' } },
      { auth: { type: 'nkey' } },
      { auth: { type: 'user', user: 'u', password: '' } },
      { auth: { type: 'password' } as never },
      { tls: { certFile: '/tmp/c.pem' } },
      { tls: false as never },
    ];
    for (const options of cases) {
      const err = await refusal(NatsTransport.connect({ servers: server.url }, options));
      expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
    }
    // A transport on an open connection cannot apply credentials: refused, not ignored.
    const nc = await connect({ servers: server.url });
    try {
      expect(() => new NatsTransport(nc, { auth: { type: 'token', token: TOKEN } })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }),
      );
      expect(() => new NatsTransport(nc, { tls: true })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }),
      );
    } finally {
      await nc.close();
    }
  });
});

describe('NatsTransport.connect over TLS', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, tls: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects when it trusts the server CA', async () => {
    const caFile = server.tls?.caFile;
    expect(caFile).toEqual(expect.any(String));
    expect(await roundTrip(server.url, { tls: { caFile: caFile ?? '' } })).toBe('pong');
  });

  it('refuses clearly with ERR_TLS when the client does not trust the CA', async () => {
    for (const options of [{ tls: true }, {}] as NatsTransportOptions[]) {
      const err = await refusal(NatsTransport.connect({ servers: server.url }, options));
      expect(isRuntimeError(err, 'ERR_TLS')).toBe(true);
      expect((err as { details?: { tlsCode?: string } }).details?.tlsCode).toEqual(
        expect.any(String),
      );
    }
  });

  it('refuses with ERR_TLS when the client requires TLS and the server has none', async () => {
    await using plain = await startNatsServer({ jetstream: false });
    const err = await refusal(NatsTransport.connect({ servers: plain.url }, { tls: true }));
    expect(isRuntimeError(err, 'ERR_TLS')).toBe(true);
  });
});

describe('NatsTransport.connect with a client certificate', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, tls: { verifyClients: true } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects presenting a certificate the server CA signed', async () => {
    const certs = server.tls;
    if (certs === undefined) throw new Error('no certificates generated');
    expect(
      await roundTrip(server.url, {
        tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      }),
    ).toBe('pong');
  });

  // Under TLS 1.3 the server refuses after the client's side of the handshake: the client sees
  // an alert or a reset on its first read. Both must end the connect at once, not at nats.js's
  // 20 s timeout (a hang would hit the test timeout) and not retried by waitOnFirstConnect.
  it('refuses a client that presents no certificate with ERR_TLS, even while waiting for a server', async () => {
    const caFile = server.tls?.caFile ?? '';
    for (const waitOnFirstConnect of [false, true]) {
      const err = await refusal(
        NatsTransport.connect({ servers: server.url, waitOnFirstConnect }, { tls: { caFile } }),
      );
      expect(isRuntimeError(err, 'ERR_TLS')).toBe(true);
      expect(err.message).toMatch(/requires a client certificate and none was offered/);
    }
  });

  it('refuses a certificate signed by another CA with ERR_TLS, naming the refused certificate', async () => {
    const certs = server.tls;
    if (certs === undefined) throw new Error('no certificates generated');
    const stranger = await generateTestCertificates(join(server.storeDir, 'stranger-ca'));
    const keyPem = (await readFile(stranger.clientKeyFile, 'utf8')).split('\n')[1] ?? '';
    expect(keyPem.length).toBeGreaterThan(20); // a line of the key itself, not its header
    for (const waitOnFirstConnect of [false, true]) {
      const err = await refusal(
        NatsTransport.connect(
          { servers: server.url, waitOnFirstConnect },
          {
            tls: {
              caFile: certs.caFile,
              certFile: stranger.clientCertFile,
              keyFile: stranger.clientKeyFile,
            },
          },
        ),
      );
      expect(isRuntimeError(err, 'ERR_TLS')).toBe(true);
      expect(err.message).toMatch(/refused the client certificate/);
      expect(visible(err)).not.toContain(keyPem);
    }
  });
});

describe('NatsTransport.connect with a credentials file (operator mode)', () => {
  const minted = mintOperatorCredentials();
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, config: minted.serverConfig });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connects with the user credentials, and the seed is never logged', async () => {
    const file = join(server.storeDir, 'user.creds');
    await writeFile(file, minted.userCreds, { mode: 0o600 });
    const { logger, lines } = recordingLogger();
    expect(await roundTrip(server.url, { auth: { type: 'credentials', file } }, logger)).toBe(
      'pong',
    );
    expect(lines.join('\n')).not.toContain(minted.userSeed);
  });

  it('refuses credentials of an account the operator never signed with ERR_AUTH', async () => {
    const file = join(server.storeDir, 'stranger.creds');
    await writeFile(file, minted.strangerCreds, { mode: 0o600 });
    const err = await refusal(
      NatsTransport.connect({ servers: server.url }, { auth: { type: 'credentials', file } }),
    );
    expect(isRuntimeError(err, 'ERR_AUTH')).toBe(true);
  });
});

describe('NatsTransport.connect before the server is up', () => {
  /** A loopback port nobody listens on (taken from the OS, then released). */
  async function freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => {
      probe.listen(0, '127.0.0.1', resolve);
    });
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      probe.close(() => {
        resolve();
      });
    });
    return port;
  }

  it('waits for a server that starts later (waitOnFirstConnect), then works', async () => {
    const port = await freePort();
    // Resolves on the first logged retry: proof that connect is waiting, not time passing.
    let retried!: () => void;
    const firstRetry = new Promise<void>((resolve) => (retried = resolve));
    const logger = createLogger({
      level: 'debug',
      destination: {
        write: (line: string) => {
          if (line.includes('retrying')) retried();
        },
      },
    });
    const pending = NatsTransport.connect(
      { servers: `nats://127.0.0.1:${port}`, reconnectTimeWait: 50 },
      {},
      { logger },
    );
    let settled = false;
    void pending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await firstRetry;
    expect(settled).toBe(false);
    await using server = await startNatsServer({ jetstream: false, config: `port: ${port}` });
    const transport = await pending;
    try {
      expect(transport.connection.getServer()).toContain(String(server.port));
    } finally {
      await transport.close();
    }
  });

  it('fails at once with the nats.js error when told not to wait', async () => {
    const port = await freePort();
    const err = await refusal(
      NatsTransport.connect({ servers: `nats://127.0.0.1:${port}`, waitOnFirstConnect: false }),
    );
    expect(isRuntimeError(err)).toBe(false);
    expect(err.message).toMatch(/refused|ECONNREFUSED/i);
  });
});

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, RuntimeError } from '../errors/index.js';

/** PEM files of a throwaway certificate authority and what it signed. */
export interface TestCertificates {
  /** The CA certificate: what a client trusts (`tls: { caFile }`). */
  readonly caFile: string;
  /** The server certificate (for `127.0.0.1` and `localhost`) and its key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate signed by the same CA and its key, for servers that verify clients. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Where `openssl` is looked up: PATH first (Debian and macOS ship it), then /usr/bin. */
const OPENSSL_CANDIDATES = ['openssl', '/usr/bin/openssl'];

/**
 * Generates a throwaway CA, a server certificate for the loopback interface and a client
 * certificate into `dir` with `openssl` (P-256 keys, valid 2 days): for TLS tests against a
 * private nats-server. Nothing here is fit for production.
 *
 * @throws {RuntimeError} ERR_NATS_SERVER_START when `openssl` is missing or fails (its output in
 *   `details.output`).
 */
export async function generateTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const ext = file('ext.cnf');
  await writeFile(
    ext,
    [
      '[server]',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
      'extendedKeyUsage = serverAuth',
      '[client]',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, [
    'req',
    '-x509',
    ...key,
    '-keyout',
    file('ca-key.pem'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=agentvisor test CA',
  ]);
  for (const role of ['server', 'client'] as const) {
    await openssl(dir, [
      'req',
      ...key,
      '-keyout',
      file(`${role}-key.pem`),
      '-out',
      file(`${role}.csr`),
      '-subj',
      role === 'server' ? '/CN=127.0.0.1' : '/CN=agentvisor test client',
    ]);
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      file(`${role}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca-key.pem'),
      '-CAcreateserial',
      '-out',
      file(`${role}.pem`),
      '-days',
      '2',
      '-extfile',
      ext,
      '-extensions',
      role,
    ]);
  }
  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server-key.pem'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client-key.pem'),
  };
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  let lastError: unknown;
  for (const bin of OPENSSL_CANDIDATES) {
    try {
      await run(bin, args, cwd);
      return;
    } catch (e) {
      lastError = e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') break; // found, and it failed
    }
  }
  const output = (lastError as { output?: string } | undefined)?.output ?? '';
  throw new RuntimeError(
    ErrorCode.NatsServerStart,
    `openssl ${args[0] ?? ''} failed while generating test certificates: ${
      lastError instanceof Error ? lastError.message : String(lastError)
    }`,
    { cause: lastError, details: { dir: cwd, output } },
  );
}

function run(bin: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd }, (error, stdout, stderr) => {
      if (error === null) resolve();
      else {
        const failed: Error = Object.assign(error, { output: `${stdout}${stderr}`.slice(-4096) });
        reject(failed);
      }
    });
  });
}

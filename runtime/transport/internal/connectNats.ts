import { readFile } from 'node:fs/promises';
import {
  AuthorizationError,
  UserAuthenticationExpiredError,
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  nkeys,
  type NatsConnection,
  type NodeConnectionOptions,
  type TlsOptions,
} from '@nats-io/transport-node';
import type { Clock } from '../../clock/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { NatsAuth, NatsTls } from '../NatsTransportOptions.js';

/** @internal What `connectNats` needs besides the nats.js options. */
export interface ConnectSecurity {
  readonly auth?: NatsAuth | undefined;
  readonly tls?: NatsTls | undefined;
}

/**
 * @internal Connects like nats.js's `connect`, with `auth` and `tls` turned into its options and
 * two differences:
 * - the server refusing the credentials is ERR_AUTH and a failed TLS handshake is ERR_TLS, both at
 *   once: nats.js's `waitOnFirstConnect` would retry them forever (TLS) or twice (auth);
 * - `waitOnFirstConnect` is run here: every server is dialled once per round, rounds are
 *   `reconnectTimeWait` apart (on the injected clock), until one answers.
 * Error messages name the server and the mode, never a secret.
 */
export async function connectNats(
  options: NodeConnectionOptions,
  security: ConnectSecurity,
  deps: { clock: Clock; logger: Logger },
): Promise<NatsConnection> {
  const resolved: NodeConnectionOptions = {
    ...options,
    ...(await authOptions(security.auth)),
    ...(security.tls === undefined ? {} : { tls: tlsOptions(security.tls) }),
  };
  const secrets = secretsOf(resolved);
  const wait = options.waitOnFirstConnect === true;
  const once: NodeConnectionOptions = { ...resolved, waitOnFirstConnect: false };
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(once);
    } catch (err) {
      const refused = classify(err, security, secrets);
      if (refused !== undefined) throw refused;
      if (!wait) throw err;
      deps.logger.debug(
        { attempt, reason: scrub(messageOf(err), secrets) },
        'NATS not reachable yet; retrying',
      );
      await sleep(deps.clock, options.reconnectTimeWait ?? 2_000);
    }
  }
}

/** nats.js TLS options: an empty object asks for TLS with the system's CAs. */
function tlsOptions(tls: NatsTls): TlsOptions {
  if (tls === true) return {};
  const out: TlsOptions = {};
  if (tls.caFile !== undefined) out.caFile = tls.caFile;
  if (tls.certFile !== undefined) out.certFile = tls.certFile;
  if (tls.keyFile !== undefined) out.keyFile = tls.keyFile;
  return out;
}

/** The nats.js options of an `auth`; files are read here (their contents are secrets). */
async function authOptions(auth: NatsAuth | undefined): Promise<NodeConnectionOptions> {
  if (auth === undefined) return {};
  switch (auth.type) {
    case 'user':
      return { user: auth.user, pass: auth.password };
    case 'token':
      return { token: auth.token };
    case 'nkey': {
      const seed = auth.seed ?? (await readSecretFile(auth.seedFile ?? '', 'auth.seedFile')).trim();
      const bytes = new TextEncoder().encode(seed);
      try {
        nkeys.fromSeed(bytes); // refuses a malformed seed now, not as a server-side refusal
      } catch {
        throw invalidAuth('auth.seed', 'is not a valid nkey seed');
      }
      return { authenticator: nkeyAuthenticator(bytes) };
    }
    case 'credentials': {
      const text = await readSecretFile(auth.file, 'auth.file');
      if (
        !/-----BEGIN NATS USER JWT-----/.test(text) ||
        !/-----BEGIN USER NKEY SEED-----/.test(text)
      ) {
        throw invalidAuth('auth.file', `(${auth.file}) is not a NATS credentials file`);
      }
      return { authenticator: credsAuthenticator(new TextEncoder().encode(text)) };
    }
  }
}

async function readSecretFile(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RuntimeError(ErrorCode.InvalidOptions, `${field}: cannot read ${path} (${code})`, {
      details: {
        what: 'NatsTransport',
        issues: [{ path: field, message: `cannot read (${code})` }],
      },
    });
  }
}

function invalidAuth(path: string, problem: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `Invalid NatsTransport options: ${path} ${problem}`,
    {
      details: { what: 'NatsTransport', issues: [{ path, message: problem }] },
    },
  );
}

/** Node's TLS verification and handshake error codes. */
const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** ERR_AUTH or ERR_TLS for a refusal that retrying cannot fix; `undefined` for anything else. */
function classify(
  err: unknown,
  security: ConnectSecurity,
  secrets: readonly string[],
): RuntimeError | undefined {
  const mode = security.auth?.type ?? 'none';
  if (err instanceof AuthorizationError || err instanceof UserAuthenticationExpiredError) {
    return new RuntimeError(
      ErrorCode.Auth,
      `NATS refused the credentials (auth ${mode}): ${scrub(err.message, secrets)}`,
      { cause: err, details: { auth: mode } },
    );
  }
  const tls = tlsCause(err);
  if (tls !== undefined) {
    return new RuntimeError(
      ErrorCode.Tls,
      `TLS with the NATS server failed: ${scrub(messageOf(tls), secrets)}`,
      {
        cause: err,
        details: {
          tls: security.tls === undefined ? 'none' : security.tls === true ? 'system CAs' : 'files',
          ...(typeof (tls as { code?: unknown }).code === 'string'
            ? { tlsCode: (tls as { code: string }).code }
            : {}),
        },
      },
    );
  }
  return undefined;
}

/** The TLS error in `err` or its causes (nats.js wraps socket errors), if any. */
function tlsCause(err: unknown): unknown {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES.test(code)) return e;
    const message = messageOf(e);
    if (/\btls\b|certificate|ssl/i.test(message)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Every secret in the resolved options, to be cut out of any message that gets reported. */
function secretsOf(options: NodeConnectionOptions): string[] {
  const out: string[] = [];
  if (typeof options.pass === 'string' && options.pass !== '') out.push(options.pass);
  if (typeof options.token === 'string' && options.token !== '') out.push(options.token);
  return out;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

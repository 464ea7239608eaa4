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
import { causeChain, ErrorCode, messageOf, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { NatsAuth, NatsTls } from '../NatsTransportOptions.js';
import {
  clientCertificateProblem,
  inferClientCertificateRefusal,
  isClientCertificateAlert,
  offersClientCertificate,
} from './clientCertificateRefusal.js';

/** @internal What `connectNats` needs besides the nats.js options. */
export interface ConnectSecurity {
  readonly auth?: NatsAuth | undefined;
  readonly tls?: NatsTls | undefined;
}

/**
 * @internal Connects like nats.js's `connect`, with `auth` and `tls` turned into its options and
 * three differences:
 * - the server refusing the credentials is ERR_AUTH and a failed TLS handshake is ERR_TLS, both at
 *   once: nats.js's `waitOnFirstConnect` would retry them forever (TLS) or twice (auth);
 * - a server that drops the connection before answering the first PING fails the attempt at
 *   once: nats.js (with `reconnect`) would wait for its `timeout` (20 s). This is how a server
 *   that requires a client certificate refuses one under TLS 1.3, after the client's side of the
 *   handshake (see `inferClientCertificateRefusal`);
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
  // `reconnect: false` until connected: nats.js then ends the attempt when the server drops the
  // connection before the first PONG (with `reconnect` it waits for its 20 s timeout, since the
  // dial in progress is the reconnect it would start). A side effect: a drop by one server ends
  // the attempt without trying the others (the next round of `waitOnFirstConnect` does).
  const once: NodeConnectionOptions = { ...resolved, waitOnFirstConnect: false, reconnect: false };
  for (let attempt = 1; ; attempt++) {
    let nc: NatsConnection;
    try {
      nc = await connect(once);
    } catch (err) {
      const refused =
        classify(err, resolved, security, secrets) ??
        (await inferredTlsRefusal(err, resolved, security, deps));
      if (refused !== undefined) throw refused;
      if (!wait) throw err;
      deps.logger.debug(
        { attempt, reason: scrub(messageOf(err), secrets) },
        'NATS not reachable yet; retrying',
      );
      await sleep(deps.clock, options.reconnectTimeWait ?? 2_000);
      continue;
    }
    restoreReconnect(nc, resolved.reconnect !== false);
    return nc;
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
  resolved: NodeConnectionOptions,
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
  if (tls === undefined) return undefined;
  const code = (tls as { code?: unknown }).code;
  const tlsCode = typeof code === 'string' ? code : undefined;
  // The openssl text of an alert is noise ("…:ssl3_read_bytes:sslv3 alert bad certificate:…");
  // say what the alert means instead, and keep its code.
  const reason = isClientCertificateAlert(tlsCode)
    ? `${clientCertificateProblem(offersClientCertificate(resolved))} [${tlsCode ?? ''}]`
    : scrub(messageOf(tls), secrets);
  return tlsRefusal(reason, err, security, tlsCode === undefined ? {} : { tlsCode });
}

/** ERR_TLS for a dropped connection that {@link inferClientCertificateRefusal} explains. */
async function inferredTlsRefusal(
  err: unknown,
  resolved: NodeConnectionOptions,
  security: ConnectSecurity,
  deps: { clock: Clock },
): Promise<RuntimeError | undefined> {
  const reason = await inferClientCertificateRefusal(err, resolved, deps);
  if (reason === undefined) return undefined;
  const code = (err as { code?: unknown }).code;
  return tlsRefusal(reason, err, security, {
    inferredFrom: 'tls_verify',
    dropped: typeof code === 'string' ? code : 'closed',
  });
}

function tlsRefusal(
  reason: string,
  cause: unknown,
  security: ConnectSecurity,
  more: object,
): RuntimeError {
  return new RuntimeError(ErrorCode.Tls, `TLS with the NATS server failed: ${reason}`, {
    cause,
    details: {
      tls: security.tls === undefined ? 'none' : security.tls === true ? 'system CAs' : 'files',
      ...more,
    },
  });
}

/**
 * Gives the connection the `reconnect` the caller asked for, after the first connect ran without
 * (see `connectNats`). nats.js reads `options.reconnect` on each disconnect, from the object the
 * connection keeps as `options`. Nothing can disconnect in between: the connect resolves and this
 * runs in the same run of microtasks, before any socket event.
 */
function restoreReconnect(nc: NatsConnection, reconnect: boolean): void {
  const options = (nc as NatsConnection & { options?: { reconnect?: boolean } }).options;
  if (typeof options !== 'object') {
    // A connection that never reconnects must not pass for one that does.
    void nc.close();
    throw new Error(
      'nats.js connection has no options to restore `reconnect` on (unsupported nats.js version)',
    );
  }
  options.reconnect = reconnect;
}

/** The TLS error in `err` or its causes (nats.js wraps socket errors), if any. */
function tlsCause(err: unknown): unknown {
  for (const e of causeChain(err, 4)) {
    if (e === undefined || e === null) break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES.test(code)) return e;
    const message = messageOf(e);
    if (/\btls\b|certificate|ssl/i.test(message)) return e;
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

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

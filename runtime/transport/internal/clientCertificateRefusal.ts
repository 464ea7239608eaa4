import { ConnectionError, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Clock } from '../../clock/index.js';
import { causeChain } from '../../errors/index.js';
import { readServerInfo, serverAddresses } from './readServerInfo.js';

/**
 * Node's codes for a TLS alert received from the server about a certificate. The only
 * certificate a server checks is the client's, so each of these is a refused (or missing)
 * client certificate: Go's nats-server sends "bad certificate" both when none was presented and
 * when the one presented is not signed by its CA; OpenSSL servers send "certificate required"
 * (TLS 1.3) or "unknown CA".
 */
const CLIENT_CERTIFICATE_ALERT =
  /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;

/** Socket errors of a connection the server dropped. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE']);

/** @internal Whether the nats.js options present a client certificate. */
export function offersClientCertificate(options: NodeConnectionOptions): boolean {
  const tls = options.tls;
  return (
    typeof tls === 'object' &&
    tls !== null &&
    (tls.certFile !== undefined || tls.cert !== undefined)
  );
}

/** @internal Whether `code` is a TLS alert in which the server refuses the client certificate. */
export function isClientCertificateAlert(code: string | undefined): boolean {
  return code !== undefined && CLIENT_CERTIFICATE_ALERT.test(code);
}

/** @internal What went wrong, for an ERR_TLS message: no secret, only whether a cert was sent. */
export function clientCertificateProblem(offered: boolean): string {
  return offered
    ? 'the server refused the client certificate (is it signed by a CA the server trusts, and valid?)'
    : 'the server requires a client certificate and none was offered (set tls.certFile and tls.keyFile)';
}

/**
 * @internal The client-certificate problem behind a connect failure that does not say it, or
 * `undefined`.
 *
 * Under TLS 1.3 the server checks the client certificate after the client has finished its side
 * of the handshake, so a refusal reaches the client on its first read: as the alert (handled by
 * {@link isClientCertificateAlert}), or, when the server closes with the client's CONNECT still
 * unread, as a bare reset (ECONNRESET/EPIPE) or close that nats.js reports as a `ConnectionError`
 * without a cause. Such a drop is read as a refused certificate only when the server's INFO
 * (read again here over plain TCP) announces `tls_verify`: certain when the client offered no
 * certificate; when it offered one, the drop could in principle be a server going away at that
 * very moment, but that server would then have to be back and verifying clients by the time the
 * INFO is read.
 */
export async function inferClientCertificateRefusal(
  err: unknown,
  options: NodeConnectionOptions,
  deps: { clock: Clock },
): Promise<string | undefined> {
  if (!isDropped(err)) return undefined;
  // nats.js dials 127.0.0.1:`port` when no `servers` are given
  const servers =
    options.servers ??
    (options.port === undefined ? undefined : `127.0.0.1:${String(options.port)}`);
  for (const server of serverAddresses(servers)) {
    const info = await readServerInfo(server, deps);
    if (info?.tls_verify === true) {
      return `${clientCertificateProblem(offersClientCertificate(options))}; the server at ${
        server.hostname
      }:${String(server.port)} verifies client certificates (tls_verify) and dropped the connection after the handshake`;
    }
  }
  return undefined;
}

/** A reset or a close without an error, anywhere in `err`'s causes. */
function isDropped(err: unknown): boolean {
  for (const e of causeChain(err, 4)) {
    if (e === undefined || e === null) break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DROPPED.has(code)) return true;
    // nats.js: a connection closed without a socket error during the first connect
    if (e instanceof ConnectionError && e.cause === undefined) return true;
  }
  return false;
}

import { describe, expect, it } from 'vitest';
import {
  clientCertificateProblem,
  isClientCertificateAlert,
  offersClientCertificate,
} from '../../../../runtime/transport/internal/clientCertificateRefusal.js';
import { serverAddresses } from '../../../../runtime/transport/internal/readServerInfo.js';

describe('clientCertificateRefusal', () => {
  it('reads the alerts a server sends about the client certificate, and only those', () => {
    for (const code of [
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', // Go's nats-server: none presented, or unknown CA
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
    ]) {
      expect(isClientCertificateAlert(code)).toBe(true);
    }
    for (const code of [
      undefined,
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE', // the client distrusts the server's certificate
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'ECONNRESET',
    ]) {
      expect(isClientCertificateAlert(code)).toBe(false);
    }
  });

  it('tells a missing certificate from a refused one', () => {
    expect(offersClientCertificate({ tls: { caFile: '/ca.pem' } })).toBe(false);
    expect(offersClientCertificate({ tls: null })).toBe(false);
    expect(offersClientCertificate({})).toBe(false);
    expect(offersClientCertificate({ tls: { certFile: '/c.pem', keyFile: '/k.pem' } })).toBe(true);
    expect(offersClientCertificate({ tls: { cert: 'PEM', key: 'PEM' } })).toBe(true);
    expect(clientCertificateProblem(false)).toMatch(/requires a client certificate/);
    expect(clientCertificateProblem(true)).toMatch(/refused the client certificate/);
  });
});

describe('serverAddresses', () => {
  it('parses every form of nats.js servers, with port 4222 by default', () => {
    expect(serverAddresses(undefined)).toEqual([{ hostname: '127.0.0.1', port: 4222 }]);
    expect(
      serverAddresses(['nats://a.example:4333', 'tls://b.example', 'c.example:5', 'd', '[::1]:7']),
    ).toEqual([
      { hostname: 'a.example', port: 4333 },
      { hostname: 'b.example', port: 4222 },
      { hostname: 'c.example', port: 5 },
      { hostname: 'd', port: 4222 },
      { hostname: '::1', port: 7 },
    ]);
    expect(serverAddresses('nats://h:1')).toEqual([{ hostname: 'h', port: 1 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { securityFrom } from '../../ops/natsSecurity.js';

const PASSWORD = 'pw-flags-s3cret-Mn27';
const TOKEN = 'tok-flags-s3cret-Ww83';

/** The message of what `securityFrom` throws. */
function refusal(...args: Parameters<typeof securityFrom>): string {
  try {
    securityFrom(...args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('securityFrom (agentvisor node/status auth and TLS flags)', () => {
  it('gives nothing when no flag or env is set', () => {
    expect(securityFrom({}, {})).toEqual({});
  });

  it('maps --creds, --user/NATS_USER + NATS_PASSWORD and NATS_TOKEN to the transport auth', () => {
    expect(securityFrom({ creds: '/a.creds' }, {})).toEqual({
      auth: { type: 'credentials', file: '/a.creds' },
    });
    expect(securityFrom({ user: 'av' }, { NATS_PASSWORD: PASSWORD })).toEqual({
      auth: { type: 'user', user: 'av', password: PASSWORD },
    });
    expect(securityFrom({}, { NATS_USER: 'env-user', NATS_PASSWORD: PASSWORD })).toEqual({
      auth: { type: 'user', user: 'env-user', password: PASSWORD },
    });
    expect(securityFrom({ user: 'flag' }, { NATS_USER: 'env', NATS_PASSWORD: 'x' }).auth).toEqual({
      type: 'user',
      user: 'flag',
      password: 'x',
    });
    expect(securityFrom({}, { NATS_TOKEN: TOKEN })).toEqual({
      auth: { type: 'token', token: TOKEN },
    });
    // An empty variable is unset (`NATS_TOKEN= agentvisor status`).
    expect(securityFrom({}, { NATS_TOKEN: '', NATS_PASSWORD: '' })).toEqual({});
  });

  it('maps --tls and the --tls-* files; files imply TLS', () => {
    expect(securityFrom({ tls: true }, {})).toEqual({ tls: true });
    expect(securityFrom({ 'tls-ca': '/ca.pem' }, {})).toEqual({ tls: { caFile: '/ca.pem' } });
    expect(
      securityFrom({ tls: true, 'tls-ca': '/ca', 'tls-cert': '/c', 'tls-key': '/k' }, {}),
    ).toEqual({ tls: { caFile: '/ca', certFile: '/c', keyFile: '/k' } });
  });

  it('refuses two kinds of auth, or half a user/password pair, without naming a secret', () => {
    const both = refusal({ creds: '/a.creds' }, { NATS_TOKEN: TOKEN });
    expect(both).toContain('give one kind of NATS auth');
    expect(both).not.toContain(TOKEN);
    const three = refusal({ user: 'av' }, { NATS_PASSWORD: PASSWORD, NATS_TOKEN: TOKEN });
    expect(three).not.toContain(PASSWORD);
    expect(three).not.toContain(TOKEN);
    expect(refusal({ user: 'av' }, {})).toContain('needs env NATS_PASSWORD');
    const orphan = refusal({}, { NATS_PASSWORD: PASSWORD });
    expect(orphan).toContain('no --user');
    expect(orphan).not.toContain(PASSWORD);
  });
});

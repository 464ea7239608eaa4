import { describe, expect, it } from 'vitest';
import { ErrorCode, isRuntimeError } from 'agentvisor';
import { parseClusterConfig } from 'agentvisor/node';

const SECRET = 'pw-config-s3cret-Rt19';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseClusterConfig(input);
  } catch (err) {
    if (!isRuntimeError(err, ErrorCode.InvalidOptions)) throw err;
    return (err.details as { issues: { path: string; message: string }[] }).issues;
  }
  throw new Error('expected ERR_INVALID_OPTIONS');
}

describe('cluster config auth and tls (the transport schemas)', () => {
  it('accepts each kind of auth and tls, unchanged', () => {
    const auths = [
      { type: 'user', user: 'av', password: SECRET },
      { type: 'token', token: SECRET },
      { type: 'nkey', seedFile: '/etc/av/node.nk' },
      { type: 'credentials', file: '/etc/av/node.creds' },
    ] as const;
    for (const auth of auths) {
      expect(parseClusterConfig({ node: 'n1', auth }).auth).toEqual(auth);
    }
    expect(parseClusterConfig({ node: 'n1', tls: true }).tls).toBe(true);
    const tls = { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' };
    expect(parseClusterConfig({ node: 'n1', tls }).tls).toEqual(tls);
    const none = parseClusterConfig({ node: 'n1' });
    expect(none.auth).toBeUndefined();
    expect(none.tls).toBeUndefined();
  });

  it('refuses a malformed auth or tls with a path, and no secret in the error', () => {
    expect(issuesOf({ node: 'n1', auth: { type: 'user', user: 'av' } })[0]?.path).toBe(
      'auth.password',
    );
    expect(issuesOf({ node: 'n1', auth: { type: 'nkey' } })[0]?.path).toBe('auth.seed');
    expect(issuesOf({ node: 'n1', auth: { type: 'kerberos' } })[0]?.path).toBe('auth.type');
    expect(issuesOf({ node: 'n1', tls: { certFile: '/c.pem' } })[0]?.path).toBe('tls.certFile');
    expect(issuesOf({ node: 'n1', tls: { caFile: '/ca.pem', extra: 1 } })[0]?.path).toBe('tls');
    const extra = issuesOf({
      node: 'n1',
      auth: { type: 'user', user: 'av', password: SECRET, pass: SECRET },
    });
    expect(JSON.stringify(extra)).not.toContain(SECRET);
  });
});

import { createHash } from 'node:crypto';
import { nkeys } from '@nats-io/transport-node';

type KeyPair = ReturnType<typeof nkeys.createOperator>;

/** A NATS JWT (v2) for `claims`, signed by `issuer`. */
function signJwt(issuer: KeyPair, subject: string, name: string, nats: object): string {
  const b64 = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');
  const header = b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims: Record<string, unknown> = {
    jti: '',
    iat: Math.floor(Date.UTC(2026, 0, 1) / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats,
  };
  // nats-io/jwt: jti is the base32 SHA-256 of the claims with an empty jti.
  claims['jti'] = base32(createHash('sha256').update(JSON.stringify(claims)).digest());
  const body = b64(JSON.stringify(claims));
  const signature = b64(issuer.sign(new TextEncoder().encode(`${header}.${body}`)));
  return `${header}.${body}.${signature}`;
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet.charAt((value << (5 - bits)) & 31);
  return out;
}

/**
 * Operator-mode test material, minted here (no `nsc` on CI): the nats-server config lines that
 * trust one operator and preload one account, and the credentials-file text of a user of that
 * account (and of a user signed by a stranger account, which the server must refuse).
 */
export function mintOperatorCredentials(): {
  serverConfig: string;
  userCreds: string;
  strangerCreds: string;
  userSeed: string;
} {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const operatorJwt = signJwt(operator, operator.getPublicKey(), 'test-operator', {
    type: 'operator',
    version: 2,
  });
  const accountJwt = signJwt(operator, account.getPublicKey(), 'test-account', {
    limits: {
      subs: -1,
      data: -1,
      payload: -1,
      imports: -1,
      exports: -1,
      wildcards: true,
      conn: -1,
      leaf: -1,
    },
    default_permissions: { pub: {}, sub: {} },
    type: 'account',
    version: 2,
  });
  const userCredsFor = (issuer: KeyPair): { creds: string; seed: string } => {
    const user = nkeys.createUser();
    const jwt = signJwt(issuer, user.getPublicKey(), 'test-user', {
      pub: {},
      sub: {},
      subs: -1,
      data: -1,
      payload: -1,
      type: 'user',
      version: 2,
    });
    const seed = new TextDecoder().decode(user.getSeed());
    const creds = [
      '-----BEGIN NATS USER JWT-----',
      jwt,
      '------END NATS USER JWT------',
      '',
      '-----BEGIN USER NKEY SEED-----',
      seed,
      '------END USER NKEY SEED------',
      '',
    ].join('\n');
    return { creds, seed };
  };
  const user = userCredsFor(account);
  return {
    serverConfig: [
      `operator: ${operatorJwt}`,
      'resolver: MEMORY',
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt} }`,
    ].join('\n'),
    userCreds: user.creds,
    strangerCreds: userCredsFor(nkeys.createAccount()).creds,
    userSeed: user.seed,
  };
}

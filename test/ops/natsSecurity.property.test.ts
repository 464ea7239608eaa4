/**
 * Property: whatever mix of flags and environment `securityFrom` is given, it either maps them
 * to exactly one auth (the secret passed through unchanged) or refuses with a message that
 * contains no secret. fast-check prints the seed of a failure.
 */
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { securityFrom } from '../../ops/natsSecurity.js';

// Secrets long and marked enough that they cannot appear in a message by chance.
const secret = fc.string({ minLength: 4, maxLength: 24 }).map((s) => `S3CRET<${s}>`);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

describe('securityFrom (property)', () => {
  it.prop([
    maybe(fc.constant('/x.creds')),
    maybe(fc.constantFrom('av', 'ops')),
    maybe(fc.constantFrom('av', 'ops')),
    maybe(secret),
    maybe(secret),
  ])('one auth or a refusal that names no secret', (creds, user, envUser, password, token) => {
    const env = { NATS_USER: envUser, NATS_PASSWORD: password, NATS_TOKEN: token };
    const kinds =
      (creds === undefined ? 0 : 1) +
      (user === undefined && envUser === undefined && password === undefined ? 0 : 1) +
      (token === undefined ? 0 : 1);
    let result: ReturnType<typeof securityFrom> | undefined;
    let message = '';
    try {
      result = securityFrom({ creds, user }, env);
    } catch (err) {
      message = (err as Error).message;
    }
    if (result === undefined) {
      if (password !== undefined) expect(message).not.toContain(password);
      if (token !== undefined) expect(message).not.toContain(token);
      const halfPair = (user ?? envUser) === undefined || password === undefined;
      expect(kinds > 1 || halfPair).toBe(true);
      return;
    }
    expect(kinds).toBeLessThanOrEqual(1);
    if (kinds === 0) expect(result.auth).toBeUndefined();
    else if (creds !== undefined) expect(result.auth).toEqual({ type: 'credentials', file: creds });
    else if (token !== undefined) expect(result.auth).toEqual({ type: 'token', token });
    else expect(result.auth).toEqual({ type: 'user', user: user ?? envUser, password });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { serveConsole } from '../../../ops/http/index.js';
import { redact } from '../../../ops/http/internal/redact.js';

const SECRET_KEYS = ['apiKey', 'token', 'password', 'clientSecret', 'authorization', 'x-api-key'];

describe('console properties', () => {
  it('redaction: no value under a secret-named key survives, at any depth; the rest is unchanged', () => {
    const secret = fc.string({ minLength: 1 }).map((s) => `SECRET<${s}>`);
    const leaf = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'name', 'inputTokens'), tie('node'), {
          maxKeys: 3,
        }),
        fc
          .record({ key: fc.constantFrom(...SECRET_KEYS), secret, rest: tie('node') })
          .map(({ key, secret: s, rest }) => ({ [key]: s, rest })),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        const out = JSON.stringify(redact(input));
        expect(out).not.toContain('SECRET<');
        // Without secrets anywhere, redaction is the identity.
        if (!JSON.stringify(input).includes('SECRET<')) expect(redact(input)).toEqual(input);
      }),
    );
  });

  it('auth: a request is answered 401 unless it carries a configured token, and a viewer never posts', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const viewer = 'viewer-token-0123456789';
    const operator = 'operator-token-0123456789';
    const server = await serveConsole(
      { system },
      {
        port: 0,
        tokens: [
          { token: viewer, role: 'viewer' },
          { token: operator, role: 'operator' },
        ],
      },
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.constant(viewer),
            fc.constant(operator),
            fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
          ),
          fc.constantFrom('GET', 'POST'),
          async (token, method) => {
            const res = await fetch(`${server.url}/api/actors/nope/stop`, {
              method,
              headers: { authorization: `Bearer ${token}` },
            });
            const body = (await res.json()) as { error?: { code: string } };
            if (token !== viewer && token !== operator) {
              expect(res.status).toBe(401);
              expect(body.error?.code).toBe('ERR_UNAUTHORIZED');
            } else if (token === viewer && method === 'POST') {
              expect(res.status).toBe(403);
              expect(body.error?.code).toBe('ERR_FORBIDDEN');
            } else {
              // Past auth: GET has no such route, POST has no such actor.
              expect(res.status).toBe(404);
            }
          },
        ),
        { numRuns: 50 },
      );
    } finally {
      await server.close();
      await system.shutdown();
    }
  });
});

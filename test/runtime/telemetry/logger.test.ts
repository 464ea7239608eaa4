import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { createLogger } from 'agentvisor';

/** A destination stream whose lines are read back as written. */
function capture() {
  const raw: string[] = [];
  const destination = {
    write(line: string) {
      raw.push(line);
    },
  };
  const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { raw, lines, destination };
}

/** `value` wrapped in `depth` objects: `{ l1: { l2: … { key: value } } }`. */
function nested(depth: number, key: string, value: unknown): Record<string, unknown> {
  let out: Record<string, unknown> = { [key]: value, keep: 'visible' };
  for (let i = depth - 1; i >= 1; i--) out = { [`l${i}`]: out };
  return out;
}

describe('createLogger redaction at every level', () => {
  it('redacts a password five levels deep in the written line', () => {
    const { raw, lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info({ cfg: nested(5, 'password', 'hunter2-deep') }, 'config loaded');
    expect(raw.join('')).not.toContain('hunter2-deep');
    expect(lines()[0]).toMatchObject({
      cfg: { l1: { l2: { l3: { l4: { password: '[redacted]', keep: 'visible' } } } } },
    });
  });

  it('redacts every secret-named key, whatever its case or separator', () => {
    const { raw, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    const secrets = {
      password: 's-password',
      natsPassword: 's-natsPassword',
      token: 's-token',
      access_token: 's-access_token',
      apiKey: 's-apiKey',
      api_key: 's-api_key',
      'x-api-key': 's-x-api-key',
      Authorization: 's-Authorization',
      clientSecret: 's-clientSecret',
      seed: 's-seed',
      creds: 's-creds',
      credentials: { user: 's-credentials-user' },
      privateKey: 's-privateKey',
      cookie: 's-cookie',
    };
    logger.info({ a: { b: { c: { d: { e: { f: secrets } } } } }, list: [[[secrets]]] }, 'x');
    for (const value of Object.values(secrets).flatMap((v) =>
      typeof v === 'string' ? [v] : Object.values(v),
    )) {
      expect(raw.join('')).not.toContain(value);
    }
  });

  it('keeps fields whose names only look alike (token counts, ids, seeds of a test run)', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        usage: { inputTokens: 3, outputTokens: 4, maxTokens: 9 },
        passage: 'p',
        run: { fcSeed: 7 },
      },
      'kept',
    );
    expect(lines()[0]).toMatchObject({
      usage: { inputTokens: 3, outputTokens: 4, maxTokens: 9 },
      passage: 'p',
      run: { fcSeed: 7 },
    });
  });

  it('redacts inside child bindings and serialized errors', () => {
    const { raw, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    const err = Object.assign(new Error('boom'), {
      details: { conn: { auth: { password: 's-err-password' } } },
    });
    logger
      .child({ node: { nats: { auth: { token: 's-binding-token' } } } })
      .error({ err, deep: { a: { b: { c: { apiKey: 's-apiKey-2' } } } } }, 'failed');
    const text = raw.join('');
    expect(text).toContain('boom');
    for (const secret of ['s-err-password', 's-binding-token', 's-apiKey-2']) {
      expect(text).not.toContain(secret);
    }
  });

  it('cuts a hostile nesting off instead of walking it all', () => {
    const { raw, lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info({ deep: nested(500, 'password', 's-too-deep') }, 'deep');
    expect(raw.join('')).not.toContain('s-too-deep');
    expect(lines()[0]?.['msg']).toBe('deep');
  });

  it('redacts a seed (shrunk counterexample: depth 1, key seed)', () => {
    const { raw, destination } = capture();
    createLogger({ level: 'info', destination }).info({ x: nested(1, 'seed', 'SECRET<      >') });
    expect(raw.join('')).not.toContain('SECRET<');
  });

  // Property: wherever a secret-named key sits, its value never reaches the line.
  test.prop(
    [
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom('password', 'token', 'apiKey', 'api_key', 'authorization', 'secret', 'seed'),
      fc.string({ minLength: 6, maxLength: 20 }).map((s) => `SECRET<${s}>`),
    ],
    { numRuns: 200 },
  )('never writes the value of a secret-named key at any depth', (depth, key, value) => {
    const { raw, destination } = capture();
    createLogger({ level: 'info', destination }).info({ x: nested(depth, key, value) }, 'p');
    expect(raw.join('')).not.toContain(JSON.stringify(value).slice(1, -1));
  });
});

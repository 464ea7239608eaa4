import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import { parsePolicyText } from 'agentvisor/supervisors';

const SECRET = 'tok-9a8b7c6d-policy-secret';

/** Everything a parse error says (message, stack, details, causes) as one text. */
function said(text: string, format?: 'yaml' | 'json'): string {
  let err: unknown;
  try {
    parsePolicyText(text, format);
  } catch (e) {
    err = e;
  }
  expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; depth++) {
    parts.push(
      e.message,
      e.stack ?? '',
      JSON.stringify(isRuntimeError(e) ? (e.details ?? {}) : {}),
    );
    e = e.cause;
  }
  return parts.join('\n');
}

describe('parsePolicyText never quotes the source of a syntax error (item K)', () => {
  it('reports a YAML syntax error on a line holding a secret without that line', () => {
    const text = `root:\n  id: desk\n  env: { API_TOKEN: ${SECRET} ]\n`;
    const out = said(text);
    expect(out).not.toContain(SECRET);
    expect(out).toMatch(/line 3, column \d+/);
  });

  it('reports a YAML bad escape without the escaped token', () => {
    expect(said(`root:\n  id: "${SECRET}\\q"\n`)).not.toContain(SECRET);
  });

  it('reports a JSON syntax error without the text around it', () => {
    // V8 quotes the source of a short text: `Unexpected token 't', "{"root": …" is not valid JSON`.
    // (a window of the source: part of the secret).
    const out = said(`{"root": {"id": "desk", "token": ${SECRET}}}`, 'json');
    expect(out).not.toContain(SECRET.slice(0, 8));
  });
});

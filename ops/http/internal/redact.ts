import { isSecretKey } from 'agentvisor/internal';

const CENSOR = '[redacted]';
/** Nesting walked; anything deeper is replaced whole (it may hide a secret). */
const MAX_DEPTH = 64;

/**
 * A copy of `value` with the value of every secret-named field ({@link isSecretKey}, the
 * logger's rule: apiKey, token, password, secret, authorization, …) replaced by `[redacted]`, at
 * any depth. Every console response goes through it.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? CENSOR : redact(v, depth + 1);
  }
  return out;
}

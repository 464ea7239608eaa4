import { createHash } from 'node:crypto';

/** `bytes` bytes of SHA-256 over the parts (NUL-separated), as lowercase hex; never all zeros. */
function derive(bytes: number, parts: readonly (string | number)[]): string {
  const hex = createHash('sha256')
    .update(parts.map(String).join('\0'))
    .digest('hex')
    .slice(0, bytes * 2);
  // An all-zero id is invalid in W3C trace context: flip its last bit (one in 2^64 at worst).
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/**
 * The trace id of one task of an actor: 16 bytes of SHA-256 over (actor, task), so a resumed
 * actor and a later {@link exportTrace} land in the same trace.
 */
export function traceIdOf(actor: string, task: string): string {
  return derive(16, ['agentvisor.trace', actor, task]);
}

/**
 * The span id of one span of a task: 8 bytes of SHA-256 over (actor, task, journal sequence,
 * span kind), the sequence being the step's (invoke_agent) or the effect intent's (chat,
 * execute_tool).
 */
export function spanIdOf(actor: string, task: string, seq: number, kind: string): string {
  return derive(8, ['agentvisor.span', actor, task, seq, kind]);
}

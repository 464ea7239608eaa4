import { randomBytes } from 'node:crypto';

/**
 * Creates message ids: a random per-generator prefix (unique across processes with overwhelming
 * probability) and a counter. Cheaper than a UUID per message on the hot path, and ids sort by
 * creation within one process.
 */
export function createIdGenerator(): () => string {
  const prefix = randomBytes(9).toString('base64url');
  let counter = 0;
  return () => `${prefix}${(counter++).toString(36)}`;
}

import { createHash } from 'node:crypto';

/** Longest plain stem: 200 hex digits (100 UTF-8 bytes), well inside NAME_MAX (255) with suffixes. */
const MAX_PLAIN_STEM = 200;

/**
 * @internal A file-name stem for an actor name, safe on every file system: the lowercase hex of
 * its UTF-8 bytes. Hex rather than base64url because base64url is case-sensitive and macOS and
 * Windows file systems are not (`QQ` and `Qq` would name one file). Names over 100 UTF-8 bytes
 * become `~` + their SHA-256 (hex never contains `~`, so the two forms cannot collide); stores
 * keep the actor name inside the file too and check it on read.
 */
export function actorFileStem(actor: string): string {
  const hex = Buffer.from(actor, 'utf8').toString('hex');
  if (hex.length <= MAX_PLAIN_STEM) return hex;
  return `~${createHash('sha256').update(actor, 'utf8').digest('hex')}`;
}

/** @internal The actor name a plain stem encodes, or the stem itself when it is hashed or foreign. */
export function actorFromStem(stem: string): string {
  if (!/^(?:[0-9a-f]{2})+$/.test(stem)) return stem;
  return Buffer.from(stem, 'hex').toString('utf8');
}

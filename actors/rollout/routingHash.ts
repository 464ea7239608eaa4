/**
 * A stable number in `[0, 1)` for a routing key within a rollout: 32-bit FNV-1a over the UTF-8
 * bytes of `rolloutId`, a NUL and `key`. The same key always lands on the same side of a
 * weight, on every node and after a restart; a new rollout reshuffles keys (its id differs).
 *
 * @example
 * routingHash('conv-42', 'analyst@1->2') < 0.1; // in the 10 % canary?
 */
export function routingHash(key: string, rolloutId: string): number {
  let hash = 0x811c9dc5;
  hash = fnv1a(hash, rolloutId);
  hash = Math.imul(hash, 0x01000193) >>> 0; // the NUL separator
  hash = fnv1a(hash, key);
  // Final avalanche (murmur3 fmix32): FNV-1a's low bits of similar keys are correlated.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

function fnv1a(seed: number, text: string): number {
  let hash = seed;
  for (let i = 0; i < text.length; i += 1) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      hash = Math.imul(hash ^ code, 0x01000193);
      continue;
    }
    // UTF-8 bytes of the code point (a surrogate pair is one code point).
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    const bytes =
      code < 0x800
        ? [0xc0 | (code >> 6), 0x80 | (code & 0x3f)]
        : code < 0x10000
          ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          : [
              0xf0 | (code >> 18),
              0x80 | ((code >> 12) & 0x3f),
              0x80 | ((code >> 6) & 0x3f),
              0x80 | (code & 0x3f),
            ];
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash >>> 0;
}

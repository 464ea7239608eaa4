// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), table-driven. Our own rather than `zlib.crc32`,
// which Node only has from 20.15 / 22.2 while `engines` promises every Node 20.

const TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * @internal The CRC-32 of `bytes`. Pass the CRC of the preceding bytes as `previous` to checksum
 * several pieces as one: `crc32(b, crc32(a))` equals the CRC of `a` followed by `b`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous;
  for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

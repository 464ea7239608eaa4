const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/**
 * The fingerprint of a label set as Alertmanager computes one (Prometheus `LabelSet.Fingerprint`):
 * FNV-1a 64 over the labels sorted by name, each `name 0xff value 0xff`, as 16 hex digits. The
 * same labels in any order give the same fingerprint.
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  let hash = FNV_OFFSET;
  const names = Object.keys(labels).sort();
  for (const name of names) {
    for (const part of [name, labels[name] ?? '']) {
      for (const byte of encoder.encode(part)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK;
      hash = ((hash ^ 0xffn) * FNV_PRIME) & MASK;
    }
  }
  return hash.toString(16).padStart(16, '0');
}

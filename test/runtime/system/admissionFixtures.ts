import type { Journal } from 'agentvisor';
import { packr } from '../../../runtime/codec/index.js';

/** `[[[…1…]]]`, `depth` arrays deep, built without recursion. */
export function deepArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/**
 * The bytes of an envelope for `to` whose payload is `depth` arrays deep, written by hand (the
 * encoder itself recurses): the packed envelope ends with its payload, `nil`, which is replaced
 * by `depth` one-element fixarrays around the integer 1.
 */
export function deepEnvelopeBytes(
  to: string,
  depth: number,
  id = `deep-${String(depth)}`,
): Uint8Array {
  const head = packr.pack({ v: 1, id, type: 'inc', to, payload: null });
  if (head[head.length - 1] !== 0xc0) throw new Error('the payload must be encoded last');
  const bytes = new Uint8Array(head.length - 1 + depth + 1);
  bytes.set(head.subarray(0, head.length - 1), 0);
  bytes.fill(0x91, head.length - 1, head.length - 1 + depth);
  bytes[bytes.length - 1] = 0x01;
  return bytes;
}

/** The sequences the failure notes of `actor`'s journal blame. */
export async function failureMarks(journal: Journal, actor: string): Promise<number[]> {
  const entries = await journal.read(actor, 0);
  return entries.flatMap((e) => {
    const seq = (e.event.data as { failedSeq?: unknown } | undefined)?.failedSeq;
    return e.event.kind === 'note' && typeof seq === 'number' ? [seq] : [];
  });
}

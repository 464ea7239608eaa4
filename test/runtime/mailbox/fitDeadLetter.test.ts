import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_PREFIX_BYTES,
  decodeMailboxDeadLetter,
  type MailboxDeadLetter,
} from 'agentvisor/internal';
// Internal to the mailbox (the sink's cutting rule): not part of the public API.
import { fitDeadLetter } from '../../../runtime/mailbox/MailboxDeadLetter.js';

const base: MailboxDeadLetter = {
  v: 1,
  reason: 'malformed',
  error: { code: 'ERR_MALFORMED_MESSAGE', message: 'does not decode' },
  actor: 'a',
  shard: 0,
  deliveries: 1,
  streamSeq: 7,
  node: 'n1',
  at: 0,
};

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('fitDeadLetter', () => {
  it('keeps small raw bytes whole, with their size and hash', () => {
    const bytes = new Uint8Array([0xc1, 0xff, 0x00]);
    const { record, bytes: encoded } = fitDeadLetter({ ...base, bytes }, 10_000);
    expect(record).toMatchObject({ size: 3, sha256: sha256(bytes) });
    expect(record.cut).toBeUndefined();
    expect([...(decodeMailboxDeadLetter(encoded).bytes ?? [])]).toEqual([0xc1, 0xff, 0x00]);
  });

  it('cuts raw bytes that do not fit to a prefix, keeping size and hash of all of them', () => {
    const bytes = new Uint8Array(50_000).map((_, i) => i % 251);
    const { record, bytes: encoded } = fitDeadLetter({ ...base, bytes }, 10_000);
    expect(encoded.byteLength).toBeLessThanOrEqual(10_000);
    const read = decodeMailboxDeadLetter(encoded);
    expect(read).toMatchObject({ cut: true, size: 50_000, sha256: sha256(bytes) });
    expect([...(read.bytes ?? [])]).toEqual([...bytes.subarray(0, DEAD_LETTER_PREFIX_BYTES)]);
    expect(record.cut).toBe(true);
  });

  it('drops the payload of an envelope that does not fit, and hashes the message as it arrived', () => {
    const raw = new Uint8Array(40_000).fill(7);
    const envelope = { v: 1 as const, id: 'm1', type: 'rec', to: 'a', payload: 'p'.repeat(40_000) };
    const letter: MailboxDeadLetter = { ...base, reason: 'refused', envelope };
    const { bytes: encoded } = fitDeadLetter(letter, 10_000, raw);
    const read = decodeMailboxDeadLetter(encoded);
    expect(read).toMatchObject({ reason: 'refused', cut: true, size: 40_000, sha256: sha256(raw) });
    expect(read.envelope).toMatchObject({ id: 'm1', type: 'rec', to: 'a' });
    expect(read.envelope?.payload).toBeUndefined();
    // A letter that fits is stored as it is.
    const small = fitDeadLetter({ ...letter, envelope: { ...envelope, payload: 1 } }, 10_000, raw);
    expect(small.record.cut).toBeUndefined();
    expect(small.record.size).toBeUndefined();
  });
});

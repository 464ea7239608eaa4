import { describe, expect, it } from 'vitest';
import { encodeEnvelope, ReplyType } from 'agentvisor/internal';
import { noRespondersError, readReply } from '../../../runtime/transport/index.js';

describe('readReply', () => {
  it('reads an empty message with status 503 as no responders', () => {
    expect(readReply({ data: new Uint8Array(0), headers: { code: 503 } })).toEqual({
      kind: 'no-responders',
    });
  });

  it('reads a reply envelope', () => {
    const bytes = encodeEnvelope({
      v: 1,
      id: 'r1',
      type: ReplyType.Ok,
      to: '_INBOX.x',
      correlationId: 'm1',
      payload: 7,
    });
    if (!bytes.ok) throw bytes.error;
    const read = readReply({ data: bytes.value });
    expect(read.kind).toBe('reply');
    expect(read.kind === 'reply' ? read.reply.payload : undefined).toBe(7);
  });

  it('reads bytes that do not decode as invalid, with the codec error', () => {
    const read = readReply({ data: new Uint8Array([1, 2, 3]) });
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' ? read.error.code : undefined).toBe('ERR_MALFORMED_MESSAGE');
  });

  it('reads an envelope over the size limit as invalid', () => {
    const bytes = encodeEnvelope({
      v: 1,
      id: 'r1',
      type: ReplyType.Ok,
      to: 'x',
      payload: 'y'.repeat(100),
    });
    if (!bytes.ok) throw bytes.error;
    const read = readReply({ data: bytes.value }, { maxBytes: 20 });
    expect(read.kind === 'invalid' ? read.error.code : undefined).toBe('ERR_MESSAGE_TOO_LARGE');
  });
});

describe('noRespondersError', () => {
  it('fails a request nobody listens for with ERR_ACTOR_NOT_FOUND naming it', () => {
    const error = noRespondersError({ to: 'cart', type: 'add', id: 'm1' });
    expect(error.code).toBe('ERR_ACTOR_NOT_FOUND');
    expect(error.details).toEqual({ to: 'cart', type: 'add', id: 'm1' });
  });
});

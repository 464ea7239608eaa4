import { describe, expect, it } from 'vitest';
import { ReplyType, RuntimeError, validateEnvelope } from 'agentvisor/internal';
import { replyEnvelope } from '../../../runtime/transport/index.js';

describe('replyEnvelope', () => {
  it('builds an ok reply carrying the payload, answering the request id', () => {
    const reply = replyEnvelope(
      { id: 'r1', to: '_INBOX.x.1', correlationId: 'm1', from: 'cart' },
      { payload: { n: 1 } },
    );
    expect(reply).toEqual({
      v: 1,
      id: 'r1',
      type: ReplyType.Ok,
      to: '_INBOX.x.1',
      from: 'cart',
      correlationId: 'm1',
      payload: { n: 1 },
    });
    expect(validateEnvelope(reply).ok).toBe(true);
  });

  it('builds an error reply carrying the wire error, leaving out unknown fields', () => {
    const error = new RuntimeError('ERR_TIMEOUT', 'late');
    const reply = replyEnvelope({ id: 'r2', to: '_INBOX.x.2' }, { error: error.toWire() });
    expect(reply.type).toBe(ReplyType.Error);
    expect(reply).not.toHaveProperty('correlationId');
    expect(reply).not.toHaveProperty('from');
    expect(RuntimeError.fromWire(reply.payload).code).toBe('ERR_TIMEOUT');
  });
});

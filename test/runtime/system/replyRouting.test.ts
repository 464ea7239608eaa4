import { describe, expect, it } from 'vitest';
import {
  createActorSystem,
  createSubjects,
  encodeEnvelope,
  type DeadLetter,
  type Envelope,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { isReplyAddress } from '../../../runtime/transport/index.js';
import { counterMachine } from './fixtures.js';

function bytes(envelope: Envelope): Uint8Array {
  const r = encodeEnvelope(envelope);
  if (!r.ok) throw r.error;
  return r.value;
}

describe('reply routing', () => {
  it('takes reply inboxes and own-namespace subjects as reply addresses, nothing else', () => {
    const alpha = createSubjects('alpha').prefix;
    expect(isReplyAddress('_INBOX.abc.1', alpha)).toBe(true);
    expect(isReplyAddress('_INBOX.av.x7.tok', alpha)).toBe(true);
    expect(isReplyAddress(createSubjects('beta').inbox('t1'), alpha)).toBe(true);
    expect(isReplyAddress(createSubjects('alpha').actor('c'), alpha)).toBe(true);
    expect(isReplyAddress(createSubjects('beta').actor('c'), alpha)).toBe(false);
    expect(isReplyAddress(createSubjects('beta').topic('news'), alpha)).toBe(false);
    expect(isReplyAddress(createSubjects('beta').node('n1'), alpha)).toBe(false);
    expect(isReplyAddress('av.*.a.c', alpha)).toBe(false);
  });

  it('refuses a message whose replyTo is an actor of another namespace: dead-lettered, not processed', async () => {
    const system = createActorSystem({ namespace: 'alpha' }, { clock: new TestClock() });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    system.spawn('c', counterMachine);
    system.receiveBytes(
      'c',
      bytes({
        v: 1,
        id: 'x1',
        type: 'inc',
        to: 'c',
        replyTo: createSubjects('beta').actor('c'),
        payload: null,
      }),
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toBe('foreign-namespace');
    expect(letters[0]?.error.code).toBe('ERR_FOREIGN_NAMESPACE');
    await expect(system.ask('c', 'get')).resolves.toBe(0);
    await system.shutdown();
  });
});

import { describe, expect, it } from 'vitest';
import { kvToken } from '../../../../runtime/nats/index.js';
import { journalMessageId } from '../../../../runtime/persistence/internal/journalMessageId.js';

// Message ids are stored with every journal entry (JetStream dedupe): their format must not
// change, or a re-published event would no longer be recognised after an upgrade.
describe('journalMessageId', () => {
  it('keeps a printable ASCII id as it is after the actor token', () => {
    expect(journalMessageId(kvToken('desk/planner'), 'm:1:abc')).toBe('ZGVzay9wbGFubmVy:m:1:abc');
  });

  it('sends any other id as ~ plus the base64url of its UTF-8 bytes', () => {
    expect(journalMessageId('t', 'line\nbreak')).toBe('t:~bGluZQpicmVhaw');
    expect(journalMessageId('t', 'a~b')).toBe(`t:~${kvToken('a~b')}`);
  });
});

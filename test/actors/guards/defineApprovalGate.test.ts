import { describe, expect, it } from 'vitest';
import { ErrorCode } from 'agentvisor';
import { createApprovalBroker, defineApprovalGate } from 'agentvisor/actors';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';

describe('defineApprovalGate', () => {
  it('builds the human effect input: critical, with deadline and a denying default', () => {
    const gate = defineApprovalGate({ name: 'refund.large', question: 'Refund 900 EUR?' });
    expect(gate.critical).toBe(true);
    expect(gate.input({ amount: 900 })).toEqual({
      question: 'Refund 900 EUR?',
      options: ['approve', 'reject'],
      deadlineMs: 900_000,
      default: 'reject',
      context: { gate: 'refund.large', critical: true, data: { amount: 900 } },
    });
    expect(gate.input(undefined, { question: 'Refund 50 EUR?' }).question).toBe('Refund 50 EUR?');
  });

  it('takes the default at the deadline through the approval broker: not approved', async () => {
    const clock = new TestClock();
    const broker = createApprovalBroker({ clock });
    const gate = defineApprovalGate({ name: 'deploy', question: 'Deploy?', deadlineMs: 60_000 });
    const decision = broker.request({ ...gate.input(), key: 'k1', agent: 'ops' });
    await clock.advance(59_999);
    expect(broker.pending()).toHaveLength(1);
    await clock.advance(1);
    expect(gate.outcome(await decision)).toEqual({
      approved: false,
      choice: 'reject',
      decidedBy: 'deadline',
    });
  });

  it('approves when a person picks an approving choice before the deadline', async () => {
    const clock = new TestClock();
    const broker = createApprovalBroker({ clock });
    const gate = defineApprovalGate({
      name: 'wire',
      question: 'Send the wire?',
      options: ['send', 'hold', 'cancel'],
      approveWith: ['send'],
      default: 'hold',
    });
    const decision = broker.request({ ...gate.input(), key: 'k2', agent: 'payments' });
    expect(broker.pending()).toHaveLength(1); // registered at once: no wait needed
    broker.decide('k2', 'send', 'alice');
    expect(gate.outcome(await decision)).toEqual({
      approved: true,
      choice: 'send',
      decidedBy: 'human',
      by: 'alice',
    });
  });

  it('refuses a decision outside its options with ERR_INVALID_DECISION', () => {
    const gate = defineApprovalGate({ name: 'g', question: 'q' });
    expectRuntimeError(
      () => gate.outcome({ choice: 'maybe', decidedBy: 'human' }),
      ErrorCode.InvalidDecision,
    );
  });

  it('rejects unsafe or malformed definitions with ERR_INVALID_OPTIONS', () => {
    const bad = [
      { name: 'g', question: 'q', default: 'approve' },
      { name: 'g', question: 'q', default: 'later' },
      { name: 'g', question: 'q', options: ['approve'] },
      { name: 'g', question: 'q', options: ['a', 'a', 'reject'] },
      { name: 'g', question: 'q', approveWith: ['yes'] },
      { name: 'g', question: 'q', deadlineMs: 0 },
      { name: '', question: 'q' },
      { name: 'g', question: 'q', extra: 1 },
    ];
    for (const options of bad) {
      expectRuntimeError(() => defineApprovalGate(options), ErrorCode.InvalidOptions);
    }
    // An approving default is possible, but only on purpose.
    const lenient = defineApprovalGate({
      name: 'g',
      question: 'q',
      default: 'approve',
      allowApproveByDefault: true,
    });
    expect(lenient.input().default).toBe('approve');
  });
});

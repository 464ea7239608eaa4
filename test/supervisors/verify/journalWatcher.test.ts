import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryJournal, type Alert, type JournalEvent } from 'agentvisor';
import {
  EscalationService,
  checkJournal,
  createMemoryEscalationStore,
  watchJournal,
} from 'agentvisor/supervisors';
import { TestClock } from 'agentvisor/testing';

const tool = (idempotent: boolean) => ({
  input: z.object({ to: z.string() }),
  idempotent,
  run: () => Promise.resolve('ok'),
});
const agent = {
  name: 'payer',
  tools: { pay: tool(false), lookup: tool(true) },
  requiresApproval: ['pay'],
};

const at = 1_000;
const message = (id: string): JournalEvent => ({
  id: `m:${id}`,
  kind: 'message',
  at,
  data: { id, type: 'task.run', payload: {} },
});
const intent = (key: string, effect: string, input: unknown = { to: 'x' }): JournalEvent => ({
  id: `i:${key}`,
  kind: 'effect-intent',
  at,
  data: { key, effect, input },
});
const outcome = (key: string, effect: string, output: unknown): JournalEvent => ({
  id: `o:${key}`,
  kind: 'effect-outcome',
  at,
  data: { key, effect, outcome: { ok: true, output } },
});

/** Task t1 (seq 1) asks, is approved, pays; task t2 (seq 5) pays with no approval at seq 6. */
const recorded: JournalEvent[] = [
  message('t1'),
  intent('1/human', 'human', {}),
  outcome('1/human', 'human', { decision: 'approve' }),
  intent('1/pay', 'tool:pay'),
  message('t2'),
  intent('5/pay', 'tool:pay'),
  intent('5/lookup', 'tool:lookup'),
  intent('5/lookup2', 'tool:lookup'),
];

describe('JournalWatcher', () => {
  it('replaying a recorded journal with one violation raises exactly one, at its seq, with a critical alert and an escalation', async () => {
    const clock = new TestClock();
    const alerts: Alert[] = [];
    const escalations = new EscalationService(createMemoryEscalationStore(), { clock });
    const entries = recorded.map((event, i) => ({ seq: i + 1, event }));
    const violations = checkJournal(entries, {
      agent,
      actor: 'payer-1',
      alerts: { receive: (a) => alerts.push(a) },
      escalations,
      clock,
    });
    expect(violations).toEqual([
      expect.objectContaining({
        property: 'approval-before-tool',
        seq: 6,
        task: 't2',
        tool: 'pay',
      }),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', annotations: { journal_seq: '6' } });
    await clock.advance(0);
    const open = await escalations.list({ status: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]?.errorChain[0]).toMatchObject({
      code: 'ERR_SAFETY_VIOLATION',
      details: { seq: 6 },
    });
    escalations.dispose();
  });

  it('checks entries live as they are appended: a non-idempotent tool run twice in one task', async () => {
    const { journal, watcher } = watchJournal(new MemoryJournal(), {
      agent: { ...agent, requiresApproval: [] },
      actor: 'payer-1',
    });
    await journal.append('payer-1', [message('t1'), intent('1/pay', 'tool:pay')]);
    expect(watcher.violations).toHaveLength(0);
    await journal.append('payer-1', [intent('1/pay#2', 'tool:pay')]);
    await journal.append('other', [message('t9'), intent('1/pay#3', 'tool:pay')]);
    expect(watcher.violations).toEqual([
      expect.objectContaining({ property: 'no-repeated-effect', seq: 3, tool: 'pay' }),
    ]);
    expect(await journal.lastSeq('payer-1')).toBe(3);
  });
});

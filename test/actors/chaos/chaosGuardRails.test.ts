import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import fc from 'fast-check';
import { MemoryCheckpointStore, MemoryJournal, isRuntimeError } from 'agentvisor';
import {
  chaosCheckpointStore,
  chaosJournal,
  createChaos,
  matchesTarget,
  type ToolFault,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const ctx = { idempotencyKey: 'k', signal: new AbortController().signal };
const echo = { input: z.unknown(), run: (input: unknown) => Promise.resolve(input) };
const error: ToolFault = { type: 'error' };

async function outcome(p: Promise<unknown>): Promise<'ok' | 'fault'> {
  return p.then(
    () => 'ok',
    () => 'fault',
  );
}

describe('chaos selectors, conditions and guard rails', () => {
  it('a target selects by agent, tool, model, subject, actor and node; a missing field never matches', () => {
    const scope = { agent: 'writer', tool: 'search', node: 'n1', actor: 'team/writer' };
    expect(matchesTarget({ agent: 'writer', tool: /^sea/ }, scope)).toBe(true);
    expect(matchesTarget({ agent: 'writer', node: 'n2' }, scope)).toBe(false);
    expect(matchesTarget({ model: 'gpt' }, scope)).toBe(false);
    expect(matchesTarget({ actor: /^team\// }, scope)).toBe(true);
    expect(matchesTarget(undefined, scope)).toBe(true);
  });

  it('a rule fires only on its target: the researcher’s search fails, the writer’s does not', async () => {
    const chaos = createChaos({ enabled: true, clock: new TestClock() });
    const rule = { injectionRate: 1, target: { agent: 'researcher' }, faults: [{ fault: error }] };
    const researcher = chaos.tool('search', echo, rule, { agent: 'researcher' });
    const writer = chaos.tool('search', echo, rule, { agent: 'writer' });
    expect(await outcome(researcher.run({}, ctx))).toBe('fault');
    expect(await outcome(writer.run({}, ctx))).toBe('ok');
    expect(chaos.injected).toBe(1);
  });

  it('“fail the first 2 calls”: calls 1 and 2 fail, 3 on succeed', async () => {
    const chaos = createChaos({ enabled: true, clock: new TestClock() });
    const tool = chaos.tool('t', echo, {
      injectionRate: 1,
      when: { firstCalls: 2 },
      faults: [{ fault: error }],
    });
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await outcome(tool.run({ i }, ctx)));
    expect(seen).toEqual(['fault', 'fault', 'ok', 'ok', 'ok']);
  });

  it('“only calls whose argument matches”: a pattern over the arguments as JSON, or a predicate', async () => {
    const chaos = createChaos({ enabled: true, clock: new TestClock() });
    const byPattern = chaos.tool('t', echo, {
      injectionRate: 1,
      when: { argsMatch: /"account":"acme"/ },
      faults: [{ fault: error }],
    });
    expect(await outcome(byPattern.run({ account: 'acme' }, ctx))).toBe('fault');
    expect(await outcome(byPattern.run({ account: 'other' }, ctx))).toBe('ok');
    const byPredicate = chaos.tool('u', echo, {
      injectionRate: 1,
      when: { argsMatch: (a) => (a as { n: number }).n > 2 },
      faults: [{ fault: error }],
    });
    expect(await outcome(byPredicate.run({ n: 1 }, ctx))).toBe('ok');
    expect(await outcome(byPredicate.run({ n: 3 }, ctx))).toBe('fault');
  });

  it('namespaces opt in: a namespace not listed never gets a fault', async () => {
    const chaos = createChaos({ enabled: true, namespaces: ['staging'], clock: new TestClock() });
    const rule = { injectionRate: 1, faults: [{ fault: error }] };
    const prod = chaos.tool('t', echo, rule, { namespace: 'prod' });
    const unnamed = chaos.tool('t', echo, rule);
    const staging = chaos.tool('t', echo, rule, { namespace: 'staging' });
    expect(await outcome(prod.run({}, ctx))).toBe('ok');
    expect(await outcome(unnamed.run({}, ctx))).toBe('ok');
    expect(await outcome(staging.run({}, ctx))).toBe('fault');
  });

  it('property: the blast radius never exceeds maxAgentShare of the agents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.nat(9), { maxLength: 40 }),
        async (agents, share, calls) => {
          const chaos = createChaos({
            enabled: true,
            maxAgentShare: share,
            clock: new TestClock(),
          });
          const rule = { injectionRate: 1, faults: [{ fault: error }] };
          const tools = Array.from({ length: agents }, (_, i) =>
            chaos.tool('t', echo, rule, { agent: `a${i}` }),
          );
          for (const c of calls) await outcome(tools[c % agents]!.run({}, ctx));
          expect(chaos.agentsUnderFault.length).toBeLessThanOrEqual(
            Math.floor(share * agents + 1e-9),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('stop() removes every added fault, reports 0 remaining, and a canary call succeeds', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    const tool = chaos.tool('t', echo, { faults: [] });
    chaos.add('tool', { faults: [{ fault: error }] });
    chaos.add('tool', { target: { tool: 't' }, faults: [{ fault: error }] }, 5_000);
    expect(chaos.active).toHaveLength(2);
    expect(await outcome(tool.run({}, ctx))).toBe('fault');
    expect(chaos.stop()).toEqual({ removed: 2, released: 0, remaining: 0 });
    expect(chaos.active).toHaveLength(0);
    chaos.start();
    expect(await outcome(tool.run({}, ctx))).toBe('ok');
  });

  it('an added fault lapses after its duration on the clock', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    const tool = chaos.tool('t', echo, { faults: [] });
    chaos.add('tool', { faults: [{ fault: error }] }, 1_000);
    expect(await outcome(tool.run({}, ctx))).toBe('fault');
    await clock.advance(1_000);
    expect(await outcome(tool.run({}, ctx))).toBe('ok');
  });

  it('store faults: a journal append fails and writes nothing; a checkpoint write times out', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    const inner = new MemoryJournal();
    const journal = chaosJournal(chaos, inner, {
      injectionRate: 1,
      when: { firstCalls: 1 },
      faults: [{ fault: { type: 'fail' } }],
    });
    const event = { id: 'e1', kind: 'note', at: 0, data: {} };
    const failed = await journal.append('a', [event as never]).catch((e: unknown) => e);
    expect(isRuntimeError(failed, 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(await inner.lastSeq('a')).toBe(0);
    const store = chaosCheckpointStore(chaos, new MemoryCheckpointStore(), {
      injectionRate: 1,
      faults: [{ fault: { type: 'timeout', afterMs: 3_000 } }],
    });
    const started = clock.now();
    const put = store.put({ actor: 'a' } as never).catch((e: unknown) => e);
    await clock.advance(3_000);
    expect(isRuntimeError(await put, 'ERR_TIMEOUT')).toBe(true);
    expect(clock.now() - started).toBe(3_000);
    expect(await store.latest('a')).toBeUndefined();
  });
});

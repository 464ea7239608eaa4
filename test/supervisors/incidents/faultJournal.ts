import { MemoryJournal, type JournalEvent } from 'agentvisor';

/** A seeded PRNG (mulberry32): same seed, same journal. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What a seeded fault scenario wrote. */
export interface FaultScenario {
  readonly journal: MemoryJournal;
  readonly actors: readonly string[];
  readonly from: number;
  readonly to: number;
}

/**
 * A seeded fault scenario written as journals: two actors take `tasks` tasks each (a message, a
 * model call, a tool call); from task `faultAt` on the model endpoint fails with a rate limit,
 * retried once and refused by the open breaker on the retry; every model outcome reports a cost.
 */
export async function writeFaultScenario(seed: number, t0: number): Promise<FaultScenario> {
  const random = rng(seed);
  const journal = new MemoryJournal();
  const actors = ['desk', 'pricer'];
  let at = t0;
  const tasks = 6;
  const faultAt = 2 + Math.floor(random() * 3);
  for (const actor of actors) {
    let seq = 0;
    for (let task = 0; task < tasks; task++) {
      const events: JournalEvent[] = [];
      const push = (e: Omit<JournalEvent, 'at'>): number => {
        at += 1 + Math.floor(random() * 50);
        events.push({ ...e, at });
        return ++seq;
      };
      const id = `${actor}-m${task}`;
      const mseq = push({
        id: `m:1:${id}`,
        kind: 'message',
        data: {
          id,
          type: 'quote',
          payload: { n: task },
          correlationId: `corr-${task}`,
          causationId: `cause-${task}`,
        },
      });
      const failing = task >= faultAt;
      push({
        id: `${mseq}/model`,
        kind: 'effect-intent',
        data: { key: `${mseq}/model`, effect: 'model:gpt', input: {} },
      });
      const outcome = failing
        ? {
            ok: false,
            error: {
              code: 'ERR_MODEL_HTTP',
              message: '429',
              details: { failureClass: 'rate-limit' },
            },
          }
        : { ok: true, output: { text: 'ok', cost: 0.01 * (task + 1) } };
      const oseq = push({
        id: `${mseq}/model:o`,
        kind: 'effect-outcome',
        data: { key: `${mseq}/model`, effect: 'model:gpt', outcome },
      });
      if (failing) {
        push({
          id: `${mseq}/model@2`,
          kind: 'effect-intent',
          data: { key: `${mseq}/model@2`, effect: 'model:gpt', input: {} },
        });
        push({
          id: `${mseq}/model@2:o`,
          kind: 'effect-outcome',
          data: {
            key: `${mseq}/model@2`,
            effect: 'model:gpt',
            outcome: { ok: false, error: { code: 'ERR_CIRCUIT_OPEN', message: 'open' } },
          },
        });
        push({ id: `f:1:${mseq}`, kind: 'note', data: { failedSeq: mseq } });
      } else {
        push({
          id: `${oseq}/tool`,
          kind: 'effect-intent',
          data: { key: `${oseq}/tool`, effect: 'tool:quote', input: {} },
        });
        push({
          id: `${oseq}/tool:o`,
          kind: 'effect-outcome',
          data: { key: `${oseq}/tool`, effect: 'tool:quote', outcome: { ok: true, output: 1 } },
        });
      }
      await journal.append(actor, events);
    }
  }
  return { journal, actors, from: t0, to: at + 1 };
}

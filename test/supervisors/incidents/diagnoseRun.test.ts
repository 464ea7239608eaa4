import { describe, expect, it } from 'vitest';
import { diagnoseRun, type Diagnosis } from 'agentvisor/supervisors';
import { plantFault, realEffects, worker, type FaultKind } from './plantedFaults.js';

const KINDS: readonly FaultKind[] = [
  'model-fails',
  'tool-garbage',
  'poison-input',
  'restart-forever',
];
const SEEDS_PER_KIND = 30;

const EXPECTED: Record<FaultKind, Pick<Diagnosis, 'category' | 'subkind'>> = {
  'model-fails': { category: 'infrastructure', subkind: 'rate-limit' },
  'tool-garbage': { category: 'infrastructure', subkind: 'tool-error' },
  'poison-input': { category: 'input', subkind: 'poison' },
  'restart-forever': { category: 'configuration', subkind: 'policy' },
};

describe('diagnoseRun on planted faults', () => {
  it(`finds the decisive step and the responsible actor (${KINDS.length * SEEDS_PER_KIND} seeds)`, async () => {
    let total = 0;
    let stepHits = 0;
    let actorHits = 0;
    let categoryHits = 0;
    const misses: string[] = [];
    for (const kind of KINDS) {
      for (let seed = 1; seed <= SEEDS_PER_KIND; seed++) {
        const fault = await plantFault(kind, seed * 7919 + KINDS.indexOf(kind));
        const diagnosis = await diagnoseRun({
          journal: fault.journal,
          actor: 'desk',
          logic: worker,
          supervisorEvents: fault.supervisorEvents,
        });
        total++;
        if (diagnosis === undefined) {
          misses.push(`${kind}/${seed}: no diagnosis`);
          continue;
        }
        if (diagnosis.decisiveSeq === fault.truth.decisiveSeq) stepHits++;
        else
          misses.push(`${kind}/${seed}: seq ${diagnosis.decisiveSeq} ≠ ${fault.truth.decisiveSeq}`);
        if (diagnosis.actor === fault.truth.actor) actorHits++;
        if (
          diagnosis.category === EXPECTED[kind].category &&
          diagnosis.subkind === EXPECTED[kind].subkind
        )
          categoryHits++;
        // Each diagnosis cites the replay that flipped the outcome, run in the sandbox.
        expect(diagnosis.replay.baseline.outcome).toBe('failed');
        expect(diagnosis.replay.flipped.outcome).toBe('ok');
        expect(diagnosis.replay.change.seq).toBe(diagnosis.decisiveSeq);
        expect(diagnosis.replay.flipped.realEffects).toBe(0);
      }
    }
    const stepAccuracy = stepHits / total;
    const actorAccuracy = actorHits / total;
    // The measured figures, for the closing note.
    console.info(
      `diagnosis over ${total} planted faults: decisive step ${(stepAccuracy * 100).toFixed(1)} %, ` +
        `responsible actor ${(actorAccuracy * 100).toFixed(1)} %, category ${((categoryHits / total) * 100).toFixed(1)} %` +
        (misses.length > 0 ? `; misses: ${misses.slice(0, 10).join('; ')}` : ''),
    );
    expect(total).toBeGreaterThanOrEqual(100);
    expect(stepAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(actorAccuracy).toBeGreaterThanOrEqual(0.9);
    // No replay performed a real effect: the worker's effect implementations were never called.
    expect(realEffects).toStrictEqual({ model: 0, tool: 0 });
  }, 60_000);

  it('answers undefined for a run that did not fail', async () => {
    const fault = await plantFault('model-fails', 3);
    const entries = await fault.journal.read('desk', 0);
    const { MemoryJournal } = await import('agentvisor');
    const healthy = new MemoryJournal();
    // The first task's message and first two effect steps only: the run is still going.
    await healthy.append(
      'desk',
      entries.slice(0, 3).map((e) => e.event),
    );
    expect(await diagnoseRun({ journal: healthy, actor: 'desk', logic: worker })).toBeUndefined();
  });
});

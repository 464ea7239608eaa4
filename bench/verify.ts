/**
 * What the pre-deploy check costs (issue 17: "a 200-state machine verifies in under 10 s"): a
 * generated machine of `BENCH_VERIFY_STATES` states (a ring of steps, each invoking a tool with an
 * error path and taking one message), explored by `checkAgent`, beside the raw layer — the same
 * number of XState `transition` calls the exploration made, on the same snapshots — as a ratio.
 * Alone: `npm run build && tsx bench/verify.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  initialTransition,
  setup,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate';
import { z } from 'zod';

type Actors = typeof import('agentvisor/actors');

/** A ring of `n` states: `step.next` moves on, each state's tool call has done and error paths. */
function ringAgent(lib: Actors, n: number) {
  const accepts = { 'step.next': z.strictObject({ k: z.number().int().min(0).max(1) }) } as const;
  const states: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    const next = `s${String((i + 1) % n)}`;
    states[`s${String(i)}`] =
      i % 2 === 0
        ? { on: { 'step.next': next } }
        : {
            invoke: {
              src: 'tool',
              input: { tool: 'look', input: { i } },
              onDone: next,
              onError: `s${String((i + 2) % n)}`,
            },
          };
  }
  return lib.defineAgent({
    name: 'ring',
    version: 1,
    accepts,
    tools: {
      look: { input: z.object({ i: z.number() }), idempotent: true, run: () => Promise.resolve(1) },
    },
    machine: ({ effects }) =>
      setup({ actors: effects }).createMachine({
        id: 'ring',
        initial: 's0',
        states: states as never,
      }) as unknown as AnyStateMachine,
  });
}

/** Explores once; returns states, transitions and ms, and the raw figure for as many transitions. */
export function measureVerify(lib: Actors, n = 200, rounds = 5) {
  const agent = ringAgent(lib, n);
  const samples: { states: number; transitions: number; ms: number; rawMs: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const report = lib.checkAgent(agent, {
      failureClasses: ['transient', 'auth'],
      maxDepth: 2 * n,
    });
    const ms = performance.now() - t0;
    if (!report.ok) throw new Error(`the ring should verify: ${JSON.stringify(report.properties)}`);
    // Raw: XState's transition function alone, as many calls, walking the same ring.
    const machine = setup({}).createMachine({
      id: 'raw',
      initial: 's0',
      states: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `s${String(i)}`,
          { on: { next: `s${String((i + 1) % n)}` } },
        ]),
      ),
    });
    let [snapshot] = initialTransition(machine, undefined) as [AnyMachineSnapshot, unknown];
    const t1 = performance.now();
    for (let i = 0; i < report.transitions; i++)
      [snapshot] = transition(machine, snapshot, { type: 'next' });
    const rawMs = performance.now() - t1;
    samples.push({ states: report.states, transitions: report.transitions, ms, rawMs });
  }
  samples.sort((a, b) => a.ms - b.ms);
  const median = samples[samples.length >> 1];
  if (median === undefined) throw new Error('no rounds');
  return {
    ...median,
    statesPerSecond: (median.states / median.ms) * 1000,
    ratioToRaw: median.rawMs / median.ms,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lib = (await import(new URL('../dist/actors/index.js', import.meta.url).href)) as Actors;
  const n = Number(process.env['BENCH_VERIFY_STATES'] ?? 200);
  const m = measureVerify(lib, n);
  console.log(
    `checkAgent on a ${String(n)}-state machine: ${String(m.states)} states, ${String(m.transitions)} transitions in ${m.ms.toFixed(0)} ms (${m.statesPerSecond.toFixed(0)} states/s); raw XState transition for as many: ${m.rawMs.toFixed(1)} ms (${m.ratioToRaw.toFixed(3)}x)`,
  );
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActorSystem, type LifecycleEvent } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree, type SupervisorEvent } from 'agentvisor/supervisors';
import { worker } from './fixtures.js';

// Model-based tests of the supervisor against a small reference model of OTP's `supervisor`
// (anchors-actors.md §1). The model below is written from the OTP rules alone and imports no
// supervisor code: a divergence means either the implementation or the model misreads OTP.

type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';
type RestartType = 'permanent' | 'transient' | 'temporary';

const STRATEGIES: readonly Strategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];
const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const ROOT = 'root';

/** A random tree: the root's flags and one restart type per worker child (`w0`, `w1`, …). */
interface TreeConfig {
  readonly strategy: Strategy;
  readonly restarts: readonly RestartType[];
  readonly intensity: number;
  readonly periodMs: number;
}

/** One step of a schedule; `child` indexes the children as first started. */
type Step =
  | { readonly kind: 'crash'; readonly child: number }
  | { readonly kind: 'exit'; readonly child: number }
  | { readonly kind: 'advance'; readonly ms: number };

// --- the reference model (OTP) ---

interface ModelChild {
  readonly id: string;
  readonly restart: RestartType;
  running: boolean;
  incarnation: number;
}

/**
 * OTP supervisor semantics, as the anchors state them:
 * - children start in list order and stop in reverse start order;
 * - `permanent` always restarts, `transient` only after an abnormal exit, `temporary` never
 *   (its spec is removed, even when a sibling's restart took it down);
 * - one_for_one restarts the child; one_for_all stops every other child and restarts all;
 *   rest_for_one does the same for the child and those after it. Every non-temporary child in
 *   reach is started again, a terminated one (a transient that exited normally) included, as
 *   OTP's `start_children` does for each spec in the list;
 * - each restart is recorded at `now`; earlier ones count while `now - t <= period`; more than
 *   `intensity` of them: stop every child in reverse order, then the supervisor fails.
 */
class OtpModel {
  readonly children: ModelChild[];
  readonly events: string[] = [];
  gaveUp = false;
  #history: number[] = [];
  #now = 0;
  readonly #config: TreeConfig;

  constructor(config: TreeConfig) {
    this.#config = config;
    this.children = config.restarts.map((restart, i) => ({
      id: `w${i}`,
      restart,
      running: false,
      incarnation: 0,
    }));
    this.events.push(`started:${ROOT}:1`);
    for (const child of this.children) this.#start(child);
  }

  /** The running child first started as number `index`, or undefined (the step is skipped). */
  running(index: number): ModelChild | undefined {
    const child = this.children.find((c) => c.id === `w${index}`);
    return child?.running === true ? child : undefined;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  /** The child ended: `failed` (abnormal exit) or `done` (normal exit). */
  ended(child: ModelChild, how: 'failed' | 'done'): void {
    this.events.push(`${how}:${child.id}:${child.incarnation}`);
    child.running = false;
    const restarts =
      child.restart === 'permanent' || (child.restart === 'transient' && how === 'failed');
    if (!restarts) {
      if (child.restart === 'temporary') this.#remove(child);
      return;
    }
    const cutoff = this.#now - this.#config.periodMs;
    this.#history = [this.#now, ...this.#history.filter((t) => t >= cutoff)];
    if (this.#history.length > this.#config.intensity) {
      this.#giveUp();
      return;
    }
    const index = this.children.indexOf(child);
    const reach =
      this.#config.strategy === 'one-for-all'
        ? [...this.children]
        : this.#config.strategy === 'rest-for-one'
          ? this.children.slice(index)
          : [child];
    for (const sibling of [...reach].reverse()) {
      if (sibling !== child && sibling.running) this.#stop(sibling);
    }
    for (const sibling of reach) if (sibling.restart === 'temporary') this.#remove(sibling);
    for (const target of reach) if (target.restart !== 'temporary') this.#start(target);
  }

  #giveUp(): void {
    for (const child of [...this.children].reverse()) if (child.running) this.#stop(child);
    this.events.push(`failed:${ROOT}:1`);
    this.gaveUp = true;
  }

  #start(child: ModelChild): void {
    child.incarnation++;
    child.running = true;
    this.events.push(`started:${child.id}:${child.incarnation}`);
  }

  #stop(child: ModelChild): void {
    child.running = false;
    this.events.push(`stopped:${child.id}:${child.incarnation}`);
  }

  #remove(child: ModelChild): void {
    this.children.splice(this.children.indexOf(child), 1);
  }
}

// --- the real tree ---

async function startTree(
  config: TreeConfig,
  backoff?: { minMs: number; maxMs: number; factor: number; jitter: 0; resetAfterMs: number },
) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const lifecycle: string[] = [];
  system.onLifecycle((e: LifecycleEvent) => {
    lifecycle.push(`${e.type}:${e.name}:${e.incarnation}`);
  });
  const tree = await createSupervisionTree(
    system,
    {
      root: {
        id: ROOT,
        strategy: config.strategy,
        intensity: config.intensity,
        periodMs: config.periodMs,
        ...(backoff === undefined ? {} : { backoff }),
        // Every failure class restarts: no resume, park or poison path in these runs.
        onFailure: { default: 'restart' },
        children: config.restarts.map((restart, i) => ({ id: `w${i}`, agent: 'worker', restart })),
      },
    },
    { agents: { worker } },
  );
  const events: SupervisorEvent[] = [];
  tree.onEvent((e) => events.push(e));
  const settle = () => system.settled();
  const close = async () => {
    await tree.stop();
    await system.shutdown();
  };
  return { clock, system, tree, lifecycle, events, settle, close };
}

// --- arbitraries ---

const configArb = (strategy: Strategy): fc.Arbitrary<TreeConfig> =>
  fc.record({
    strategy: fc.constant(strategy),
    restarts: fc.array(fc.constantFrom(...RESTART_TYPES), { minLength: 1, maxLength: 5 }),
    intensity: fc.integer({ min: 0, max: 4 }),
    periodMs: fc.integer({ min: 1_000, max: 10_000 }),
  });

/** Steps for a config; advances favour the window boundary (exactly `periodMs`, ±1). */
const stepsArb = (config: TreeConfig): fc.Arbitrary<Step[]> => {
  const child = fc.nat({ max: config.restarts.length - 1 });
  return fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('crash' as const), child }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('exit' as const), child }) },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('advance' as const),
          ms: fc.oneof(
            fc.integer({ min: 0, max: 2 * config.periodMs }),
            fc.integer({ min: 0, max: 50 }),
            fc.constantFrom(config.periodMs - 1, config.periodMs, config.periodMs + 1),
          ),
        }),
      },
    ),
    { maxLength: 30 },
  );
};

const scenarioArb = (strategy: Strategy) =>
  configArb(strategy).chain((config) => stepsArb(config).map((steps) => ({ config, steps })));

// --- properties ---

/** The children as the model sees them, in the shape compared with `whichChildren()`. */
function modelChildren(model: OtpModel): [string, string, number][] {
  return model.children.map((c) => [c.id, c.running ? 'running' : 'terminated', c.incarnation]);
}

describe('Supervisor (model-based, against OTP)', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: restarts, lifecycle order and give-up point match the OTP model`, async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(strategy), async ({ config, steps }) => {
          const real = await startTree(config);
          try {
            const model = new OtpModel(config);
            const actualChildren = () =>
              real.tree.root.whichChildren().map((c) => [c.id, c.status, c.incarnation]);
            expect(real.lifecycle).toEqual(model.events);
            expect(actualChildren()).toEqual(modelChildren(model));
            let modelGaveUpAt: number | undefined;
            let realGaveUpAt: number | undefined;
            for (const [i, step] of steps.entries()) {
              if (step.kind === 'advance') {
                model.advance(step.ms);
                await real.clock.advance(step.ms);
              } else {
                const target = model.running(step.child);
                if (target === undefined) {
                  // The model skips a step aimed at a child that is not running; so must we.
                  const status = real.tree.root
                    .whichChildren()
                    .find((c) => c.id === `w${step.child}`)?.status;
                  expect(status === undefined || status === 'terminated').toBe(true);
                  continue;
                }
                model.ended(target, step.kind === 'crash' ? 'failed' : 'done');
                if (step.kind === 'crash') {
                  // A unique payload per crash: the poison detector must never fire.
                  real.system.tell(target.id, 'work.crash', { reason: `c${i}` });
                } else {
                  real.system.tell(target.id, 'work.finish');
                }
              }
              await real.settle();
              if (model.gaveUp) modelGaveUpAt ??= i;
              if (real.tree.root.status === 'failed') realGaveUpAt ??= i;
              expect(real.lifecycle).toEqual(model.events);
              expect(realGaveUpAt).toBe(modelGaveUpAt);
              if (model.gaveUp) break;
              expect(actualChildren()).toEqual(modelChildren(model));
            }
            if (model.gaveUp) {
              // Gave up on restart number intensity + 1 inside the window, and the root's
              // failure went to a person.
              const gaveUp = real.events.filter((e) => e.type === 'gave-up');
              expect(gaveUp).toHaveLength(1);
              expect(gaveUp[0]).toMatchObject({
                supervisor: ROOT,
                restarts: config.intensity + 1,
              });
              const open = await real.tree.escalations.list({ status: 'open' });
              expect(open.map((e) => e.supervisor)).toEqual(['(root)']);
            } else {
              expect(real.tree.root.status).toBe('running');
            }
          } finally {
            await real.close();
          }
        }),
        { numRuns: 80 },
      );
    }, 30_000);
  }

  it('one-for-one with backoff: restarts exactly at min(maxMs, minMs * factor^n)', async () => {
    const arb = fc
      .record({
        minMs: fc.integer({ min: 1, max: 1_000 }),
        // Halves only: every delay and clock sum stays exact in binary floating point.
        factor: fc.integer({ min: 2, max: 8 }).map((n) => n / 2),
        capSteps: fc.integer({ min: 0, max: 6 }),
        restarts: fc.array(fc.constantFrom<RestartType>('permanent', 'transient'), {
          minLength: 1,
          maxLength: 3,
        }),
      })
      .chain((s) =>
        fc.record({
          setup: fc.constant(s),
          maxMs: fc.integer({ min: s.minMs, max: Math.ceil(s.minMs * 2 ** s.capSteps) }),
          // Which child crashes, and how long it ran first (well under resetAfterMs).
          crashes: fc.array(
            fc.record({
              child: fc.nat({ max: s.restarts.length - 1 }),
              ranMs: fc.integer({ min: 0, max: 5_000 }),
            }),
            { minLength: 1, maxLength: 8 },
          ),
        }),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ({ setup, maxMs, crashes }) => {
        const { minMs, factor, restarts } = setup;
        const real = await startTree(
          { strategy: 'one-for-one', restarts, intensity: 50, periodMs: 1_000 },
          { minMs, maxMs, factor, jitter: 0, resetAfterMs: 1_000_000_000 },
        );
        try {
          const attempts = restarts.map(() => 0);
          const info = (i: number) => real.tree.root.whichChildren()[i];
          for (const [k, crash] of crashes.entries()) {
            const name = `w${crash.child}`;
            await real.clock.advance(crash.ranMs);
            const before = info(crash.child)?.incarnation ?? 0;
            const attempt = attempts[crash.child] ?? 0;
            attempts[crash.child] = attempt + 1;
            const delay = Math.min(maxMs, minMs * factor ** attempt);
            real.events.length = 0;
            real.system.tell(name, 'work.crash', { reason: `c${k}` });
            await real.settle();
            expect(real.events.find((e) => e.type === 'restart-scheduled')).toMatchObject({
              child: name,
              targets: [name],
              delayMs: delay,
            });
            await real.clock.advance(delay - 1);
            await real.settle();
            expect(info(crash.child)).toMatchObject({ status: 'restarting', incarnation: before });
            await real.clock.advance(1);
            await real.settle();
            expect(info(crash.child)).toMatchObject({ status: 'running', incarnation: before + 1 });
            expect(real.system.describe(name)).toMatchObject({
              status: 'running',
              incarnation: before + 1,
            });
          }
          expect(real.tree.root.status).toBe('running');
        } finally {
          await real.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 30_000);
});

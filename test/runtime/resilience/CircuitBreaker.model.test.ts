/**
 * Model-based test of the circuit breaker (STYLE §8): random sequences of calls, outcomes, time
 * and operator actions run against the breaker and against a small reference breaker written
 * from the rules; after every command both must agree on what was admitted and on the state.
 */
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  createCircuitBreaker,
  ErrorCode,
  isRuntimeError,
  type BreakerPermit,
  type CircuitBreaker,
  type CircuitState,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { failure } from './drive.js';

interface Settings {
  threshold: number;
  halfOpenAfterMs: number;
  calls: number;
  probeThreshold: number;
}

/** The reference: the rules of CircuitBreaker.ts as plain data, nothing clever. */
class ReferenceBreaker {
  now = 0;
  state: CircuitState = 'closed';
  openUntil = 0;
  consecutive = 0;
  generation = 0;
  probes = { admitted: 0, successes: 0, failures: 0 };
  constructor(readonly s: Settings) {}

  get observed(): CircuitState {
    return this.state === 'open' && this.now >= this.openUntil ? 'half-open' : this.state;
  }

  /** A permit (its generation and whether it is a probe), or undefined when refused. */
  acquire(): { generation: number; probe: boolean; settled: boolean } | undefined {
    if (this.state === 'isolated') return undefined;
    if (this.state === 'open') {
      if (this.now < this.openUntil) return undefined;
      this.#to('half-open');
    }
    if (this.state === 'half-open') {
      if (this.probes.admitted >= this.s.calls) return undefined;
      this.probes.admitted++;
      return { generation: this.generation, probe: true, settled: false };
    }
    return { generation: this.generation, probe: false, settled: false };
  }

  settle(
    p: { generation: number; probe: boolean; settled: boolean },
    outcome: 'success' | 'counted' | 'uncounted' | 'ignore',
  ): void {
    if (p.settled) return;
    p.settled = true;
    if (p.generation !== this.generation) return;
    const failed = outcome === 'counted';
    if (!p.probe) {
      if (outcome === 'ignore') return;
      this.consecutive = failed ? this.consecutive + 1 : 0;
      if (this.consecutive >= this.s.threshold) this.#open();
      return;
    }
    if (outcome === 'ignore') {
      this.probes.admitted--;
      return;
    }
    if (failed) this.probes.failures++;
    else this.probes.successes++;
    if (this.probes.failures > this.s.probeThreshold * this.s.calls) this.#open();
    else if (this.probes.successes + this.probes.failures >= this.s.calls) {
      this.consecutive = 0;
      this.#to('closed');
    }
  }

  isolate(): void {
    this.#to('isolated');
  }

  reset(): void {
    this.consecutive = 0;
    this.#to('closed');
  }

  #open(): void {
    this.openUntil = this.now + this.s.halfOpenAfterMs;
    this.#to('open');
  }

  #to(state: CircuitState): void {
    this.state = state;
    this.generation++;
    this.probes = { admitted: 0, successes: 0, failures: 0 };
  }
}

interface Real {
  clock: TestClock;
  breaker: CircuitBreaker;
  permits: BreakerPermit[];
}
interface Model {
  ref: ReferenceBreaker;
  permits: { generation: number; probe: boolean; settled: boolean }[];
}

function agree(model: Model, real: Real): void {
  expect(real.breaker.state).toBe(model.ref.observed);
}

class Acquire implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const wasOpen = model.ref.state === 'open' && model.ref.now < model.ref.openUntil;
    const expected = model.ref.acquire();
    let permit: BreakerPermit | undefined;
    let refusal: unknown;
    try {
      permit = real.breaker.acquire();
    } catch (err) {
      refusal = err;
    }
    if (expected === undefined) {
      expect(permit).toBeUndefined();
      expect(isRuntimeError(refusal, ErrorCode.CircuitOpen)).toBe(true);
      if (wasOpen) {
        const { retryAfterMs } = (refusal as { details: { retryAfterMs: number } }).details;
        expect(retryAfterMs).toBe(Math.ceil(model.ref.openUntil - model.ref.now));
      }
    } else {
      expect(wasOpen, 'admitted a call while open').toBe(false);
      expect(refusal).toBeUndefined();
      model.permits.push(expected);
      real.permits.push(permit!);
    }
    agree(model, real);
    return Promise.resolve();
  }
  toString = (): string => 'acquire';
}

class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly outcome: 'success' | 'counted' | 'uncounted' | 'ignore',
  ) {}
  check = (model: Readonly<Model>): boolean => model.permits.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    // Mostly a permit still open (the interesting case); index 0 re-settles the oldest one,
    // which must change nothing.
    const open = model.permits.flatMap((p, i) => (p.settled ? [] : [i]));
    const i = this.index === 0 || open.length === 0 ? 0 : open[this.index % open.length]!;
    model.ref.settle(model.permits[i]!, this.outcome);
    const permit = real.permits[i]!;
    if (this.outcome === 'success') permit.success();
    else if (this.outcome === 'counted') permit.failure(failure('transient'));
    else if (this.outcome === 'uncounted') permit.failure(failure('invalid-request'));
    else permit.ignore();
    agree(model, real);
    return Promise.resolve();
  }
  toString = (): string => `settle(${this.index}, ${this.outcome})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.ref.now += this.ms;
    await real.clock.advance(this.ms);
    agree(model, real);
  }
  toString = (): string => `advance(${this.ms})`;
}

class Operator implements fc.AsyncCommand<Model, Real> {
  constructor(readonly action: 'isolate' | 'reset') {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.ref[this.action]();
    real.breaker[this.action]();
    agree(model, real);
    return Promise.resolve();
  }
  toString = (): string => this.action;
}

const settings: fc.Arbitrary<Settings> = fc.record({
  threshold: fc.integer({ min: 1, max: 5 }),
  halfOpenAfterMs: fc.integer({ min: 1, max: 1_000 }),
  calls: fc.integer({ min: 1, max: 4 }),
  probeThreshold: fc.constantFrom(0, 0.25, 0.5, 0.9),
});

const settle = fc
  .tuple(fc.nat(20), fc.constantFrom('success', 'counted', 'counted', 'uncounted', 'ignore'))
  .map(([i, o]) => new Settle(i, o));
const commands = fc.commands(
  [
    fc.constant(new Acquire()),
    fc.constant(new Acquire()),
    fc.constant(new Acquire()),
    settle,
    settle,
    settle,
    fc.integer({ min: 0, max: 1_500 }).map((ms) => new Advance(ms)),
    fc.integer({ min: 0, max: 1_500 }).map((ms) => new Advance(ms)),
    fc.constantFrom('isolate' as const, 'reset' as const).map((a) => new Operator(a)),
  ],
  { maxCommands: 120, size: 'large' },
);

describe('CircuitBreaker (model-based)', () => {
  it.prop([settings, commands])(
    'admits no call while open and exactly its probes while half-open',
    async (s, cmds) => {
      const clock = new TestClock();
      const breaker = createCircuitBreaker(
        {
          strategy: { type: 'consecutive', threshold: s.threshold },
          halfOpenAfterMs: s.halfOpenAfterMs,
          halfOpen: { calls: s.calls, threshold: s.probeThreshold },
        },
        { clock },
      );
      await fc.asyncModelRun(
        () => ({
          model: { ref: new ReferenceBreaker(s), permits: [] },
          real: { clock, breaker, permits: [] },
        }),
        cmds,
      );
    },
  );
});

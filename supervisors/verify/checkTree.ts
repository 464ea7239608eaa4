import { decideDirective } from '../classifyFailure.js';
import { FAILURE_CLASSES, type FailureClass } from 'agentvisor/internal';
import { lintPolicy } from '../policy/lintPolicy.js';
import type { Policy, SupervisorSpec, WorkerSpec } from '../policy/schema.js';

/** The built-in properties of {@link checkTree}. */
export type TreeProperty =
  | 'root-survives-burst'
  | 'crash-loop-escalates'
  | 'backoff-within-deadline'
  | 'failures-reach-a-person';

/** The verdict on one property, with the path (ids joined by `/`) it concerns. */
export interface TreePropertyResult {
  readonly property: TreeProperty;
  readonly ok: boolean;
  readonly path?: string;
  readonly detail?: string;
}

/** What the tree does with one worker's failures. */
export interface WorkerFigures {
  readonly path: string;
  /** Consecutive failures absorbed before the root gives up (lintPolicy's product rule). */
  readonly absorbedFailures: number;
  /**
   * The fastest a worker crashing at once on every start takes the root down: the backoff
   * delays (without jitter) of every restart on the way; `Infinity` when a crash loop never
   * fills a supervisor's intensity window (see `crash-loop-escalates`).
   */
  readonly rootDownAfterMs: number;
  /** Restarts per minute that crash loop causes before the root gives up (`Infinity` for none of backoff). */
  readonly restartsPerMinute: number;
  /** Failure classes, with what finally happens to each: a person decides, or not. */
  readonly classes: Readonly<Record<FailureClass, 'person' | 'resume' | 'stop'>>;
}

/** What {@link checkTree} found. */
export interface TreeCheckReport {
  readonly ok: boolean;
  readonly workers: readonly WorkerFigures[];
  readonly properties: readonly TreePropertyResult[];
}

/** Options of {@link checkTree}. */
export interface CheckTreeOptions {
  /**
   * Failures of one worker in one burst (inside the shortest period on its path) the tree must
   * absorb without the root giving up. @default for a worker under a nested supervisor, one more
   * than that supervisor's intensity (a burst that exhausts it must be absorbed by the ones
   * above); none for the root's own workers (the root gives up and escalates: its job)
   */
  readonly burst?: number;
  /** The task deadline the tree's agents run under (ms), for `backoff-within-deadline`. */
  readonly taskMs?: number;
  /** Failure classes that may end without a person (`resume`, `stop`). @default ['poison', 'invalid-request'] */
  readonly unattendedByDesign?: readonly FailureClass[];
}

/**
 * Checks a supervision tree before it runs (pure; starts nothing): for a crash burst of each
 * worker, whether its supervisors absorb it or the root gives up (intensities multiply along the
 * path); whether a crash loop ever escalates at all once backoff spreads the restarts past a
 * supervisor's period (then it restarts for ever and nobody is told); whether a backoff outlasts
 * the task deadline; and which failure classes end without a person (a `stop`, or a `resume`).
 * A root that gives up escalates to a person, so a class that reaches the root reaches one.
 */
export function checkTree(
  policy: Policy | SupervisorSpec,
  options: CheckTreeOptions = {},
): TreeCheckReport {
  const root = 'root' in policy ? policy.root : policy;
  const lint = lintPolicy(root);
  const absorbedByPath = new Map(lint.paths.map((p) => [p.path, p.absorbedFailures]));
  const workers: WorkerFigures[] = [];
  const properties: TreePropertyResult[] = [];
  const unattendedOk = new Set(options.unattendedByDesign ?? ['poison', 'invalid-request']);

  const walk = (
    supervisor: SupervisorSpec,
    chain: readonly SupervisorSpec[],
    ids: readonly string[],
  ) => {
    for (const child of supervisor.children) {
      if (child.type === 'supervisor') {
        walk(child, [...chain, child], [...ids, child.id]);
        continue;
      }
      const path = [...ids, child.id].join('/');
      const absorbedFailures = absorbedByPath.get(path) ?? 0;
      const rootDownAfterMs = timeToRootDown(chain, child);
      const figures: WorkerFigures = {
        path,
        absorbedFailures,
        rootDownAfterMs,
        restartsPerMinute:
          rootDownAfterMs === 0
            ? Number.POSITIVE_INFINITY
            : (absorbedFailures * 60_000) / rootDownAfterMs,
        classes: classFates(chain),
      };
      workers.push(figures);

      // By default only nested supervisors are held to it: under the root, a burst past its
      // intensity is the root's to escalate.
      const burst = options.burst ?? (chain.length >= 2 ? supervisor.intensity + 1 : 0);
      if (child.restart !== 'temporary' && absorbedFailures < burst) {
        properties.push({
          property: 'root-survives-burst',
          ok: false,
          path,
          detail: `a burst of ${String(burst)} failures of ${path} takes the root down after ${String(absorbedFailures + 1)} (intensities on the path: ${chain.map((s) => s.intensity).join(' × ')})`,
        });
      }
      for (const [cls, fate] of Object.entries(figures.classes)) {
        if (fate !== 'person' && !unattendedOk.has(cls)) {
          properties.push({
            property: 'failures-reach-a-person',
            ok: false,
            path,
            detail: `a ${cls} failure of ${path} ends in ${fate} and no person is asked`,
          });
        }
      }
    }
    const loop = crashLoopWindow(supervisor);
    if (loop !== undefined) {
      properties.push({
        property: 'crash-loop-escalates',
        ok: false,
        path: ids.join('/'),
        detail: `its backoff spreads ${String(supervisor.intensity + 1)} restarts over ${String(loop)} ms, longer than periodMs ${String(supervisor.periodMs)}: a crash loop restarts for ever and never escalates`,
      });
    }
    if (
      supervisor.backoff !== undefined &&
      options.taskMs !== undefined &&
      supervisor.backoff.maxMs > options.taskMs
    ) {
      properties.push({
        property: 'backoff-within-deadline',
        ok: false,
        path: ids.join('/'),
        detail: `backoff maxMs ${String(supervisor.backoff.maxMs)} outlasts the task deadline of ${String(options.taskMs)} ms`,
      });
    }
  };
  walk(root, [root], [root.id]);

  for (const property of [
    'root-survives-burst',
    'crash-loop-escalates',
    'backoff-within-deadline',
    'failures-reach-a-person',
  ] as const) {
    if (!properties.some((p) => p.property === property)) properties.push({ property, ok: true });
  }
  return { ok: properties.every((p) => p.ok), workers, properties };
}

/** The delay before restart `k` (0-based) of a supervisor, without jitter. */
function delayOf(supervisor: SupervisorSpec, k: number): number {
  const b = supervisor.backoff;
  if (b === undefined) return 0;
  return Math.min(b.maxMs, b.minMs * b.factor ** k);
}

/**
 * The time `intensity + 1` instant failures take under this supervisor's backoff, when it is
 * longer than its period (the window then never holds more than `intensity` of them); else
 * undefined.
 */
function crashLoopWindow(supervisor: SupervisorSpec): number | undefined {
  if (supervisor.backoff === undefined) return undefined;
  let total = 0;
  for (let k = 0; k < supervisor.intensity; k++) total += delayOf(supervisor, k);
  return total > supervisor.periodMs ? total : undefined;
}

/**
 * T(n) for the worker's own supervisor = Σ its delays; each level up restarts the level below
 * `intensity` times, each costing that level's T again: T(k) = (iₖ + 1)·T(k+1) + Σ delays of k.
 */
function timeToRootDown(chain: readonly SupervisorSpec[], worker: WorkerSpec): number {
  if (worker.restart === 'temporary') return 0;
  let below = 0;
  for (const [depth, supervisor] of [...chain.entries()].reverse()) {
    if (crashLoopWindow(supervisor) !== undefined) return Number.POSITIVE_INFINITY;
    let own = 0;
    for (let k = 0; k < supervisor.intensity; k++) own += delayOf(supervisor, k);
    below = depth === chain.length - 1 ? own : (supervisor.intensity + 1) * below + own;
    if (depth > 0 && supervisor.restart === 'temporary') break;
  }
  return below;
}

/** Where each failure class ends: `escalate` walks up; a root that gives up asks a person. */
function classFates(
  chain: readonly SupervisorSpec[],
): Record<FailureClass, 'person' | 'resume' | 'stop'> {
  const fates = {} as Record<FailureClass, 'person' | 'resume' | 'stop'>;
  for (const cls of FAILURE_CLASSES) {
    let fate: 'person' | 'resume' | 'stop' = 'person';
    for (const supervisor of [...chain].reverse()) {
      const directive = decideDirective(supervisor.onFailure, cls);
      if (directive === 'escalate') continue;
      // restart: repeated failures exhaust intensities up to the root, which asks a person.
      fate = directive === 'human' || directive === 'restart' ? 'person' : directive;
      break;
    }
    fates[cls] = fate;
  }
  return fates;
}

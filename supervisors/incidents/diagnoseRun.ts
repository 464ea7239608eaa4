import type { AnyStateMachine } from 'xstate';
import type { ActorTemplate, Journal } from 'agentvisor/internal';
import type { SupervisorEvent } from '../SupervisorEvent.js';
import type { Diagnosis } from './Diagnosis.js';
import { classifyCause, restartLoop } from './internal/classifyCause.js';
import {
  machineOf,
  replayStepsOf,
  sandboxReplay,
  type ReplayChange,
  type ReplayResult,
  type ReplayStep,
} from './internal/sandboxReplay.js';

/** What {@link diagnoseRun} needs. */
export interface DiagnoseOptions {
  readonly journal: Journal;
  /** The actor whose run failed. */
  readonly actor: string;
  /** Its agent (a defineAgent definition) or XState machine: the one its journal was written by. */
  readonly logic: ActorTemplate | AnyStateMachine;
  /**
   * True when a snapshot is a failed run. @default final state named `failed`, a `failed` tag,
   * or an errored snapshot
   */
  readonly isFailed?: (snapshot: unknown) => boolean;
  /** Supervisor events about the actor (a restart loop makes the cause a policy). */
  readonly supervisorEvents?: readonly SupervisorEvent[];
  /** Restarts of one child, without giving up, that count as a loop. @default 5 */
  readonly restartLoopAt?: number;
  /** Events one replay may deliver (loops end as `incomplete`). @default 10 × the journal's */
  readonly maxSteps?: number;
}

/** The default failed-run test: a `failed` state value or tag, or an errored snapshot. */
export function isFailedSnapshot(snapshot: unknown): boolean {
  const s = snapshot as { status?: string; value?: unknown; hasTag?: (tag: string) => boolean };
  return (
    s.status === 'error' ||
    s.value === 'failed' ||
    (typeof s.hasTag === 'function' && s.hasTag('failed'))
  );
}

/** The last good output of each child recorded before `seq` (else anywhere), the ledger's answer. */
function healthyAnswers(steps: readonly ReplayStep[], seq: number): Map<string, unknown> {
  const before = new Map<string, unknown>();
  const any = new Map<string, unknown>();
  for (const step of steps) {
    if (step.kind !== 'outcome' || !step.ok) continue;
    any.set(step.child, step.output);
    if (step.seq < seq) before.set(step.child, step.output);
  }
  for (const [child, output] of any) if (!before.has(child)) before.set(child, output);
  return before;
}

/** The state value a single step leads to, replayed with and without a change. */
const sameState = (a: ReplayResult, b: ReplayResult): boolean =>
  JSON.stringify(a.finalState) === JSON.stringify(b.finalState);

/**
 * Finds the root cause of a failed run by counterfactual replay. The actor's journal is replayed
 * through its machine in a sandbox (pure transitions: no effect runs; effects the journal has no
 * outcome for are answered from the ledger's recorded good outputs). Suspects are its journaled
 * decision points in journal order: each effect outcome (change: from that step on the effect
 * answers as it did when healthy — a recorded failure replaced by a success, a garbage answer by
 * the last good one), then each message (change: dropped). A step is tried only when changing it alone moves the machine to another state (it
 * was a decision point); the earliest step whose change flips the run from failed to ok is the
 * decisive step. Supervisor events showing a restart loop
 * make the cause the policy (the supervisor is responsible).
 *
 * Resolves `undefined` when the recorded run does not fail when replayed, or no change flips it.
 */
export async function diagnoseRun(options: DiagnoseOptions): Promise<Diagnosis | undefined> {
  const entries = await options.journal.read(options.actor, 0);
  const steps = replayStepsOf(entries);
  const machine = machineOf(options.actor, options.logic);
  const isFailed = options.isFailed ?? isFailedSnapshot;
  const maxSteps = options.maxSteps ?? Math.max(100, steps.length * 10);
  const run = (change: ReplayChange): ReplayResult =>
    sandboxReplay(machine, steps, change, {
      healthy: healthyAnswers(steps, change.seq),
      isFailed,
      maxSteps,
    });
  const baseline = sandboxReplay(machine, steps, undefined, {
    healthy: new Map(),
    isFailed,
    maxSteps,
  });
  if (baseline.outcome !== 'failed') return undefined;
  let tried = 0;
  // Effects first: dropping a message always spares the task it began, so a drop is evidence
  // only when no effect explains the failure (a poison input fails with no effect at fault).
  const ordered = [
    ...steps.filter((s) => s.kind === 'outcome'),
    ...steps.filter((s) => s.kind === 'message'),
  ];
  for (const step of ordered) {
    const change = changeOf(steps, step);
    if (change === undefined) continue;
    // A decision point: changing this step alone takes the machine elsewhere.
    const prefix = steps.filter((s) => s.seq <= step.seq);
    const local = { healthy: new Map<string, unknown>(), isFailed, maxSteps };
    const recorded = sandboxReplay(machine, prefix, undefined, local);
    if (sameState(recorded, sandboxReplay(machine, prefix, change, local))) continue;
    tried++;
    const flipped = run(change);
    if (flipped.outcome !== 'ok') continue;
    return classifyCause({
      actor: options.actor,
      step,
      change,
      replay: { change, baseline, flipped, replaysTried: tried },
      loop: restartLoop(options.supervisorEvents ?? [], options.actor, options.restartLoopAt ?? 5),
    });
  }
  return undefined;
}

/** The change a step suggests: drop a message; repair an effect from this step on. */
function changeOf(steps: readonly ReplayStep[], step: ReplayStep): ReplayChange | undefined {
  if (step.kind === 'message') return { kind: 'drop-message', seq: step.seq };
  const healthy = healthyAnswers(
    steps.filter((s) => s.kind === 'outcome' && s.effect === step.effect),
    step.seq,
  ).get(step.child);
  if (step.ok && JSON.stringify(healthy) === JSON.stringify(step.output)) return undefined;
  return { kind: 'repair-effect', seq: step.seq, effect: step.effect, output: healthy };
}

import type { Envelope, Logger, RuntimeError } from 'agentvisor/internal';
import type { FailureClass } from '../failureClasses.js';
import type { PoisonDetector } from '../poisonDetector.js';
import type { SupervisorSpec } from '../policy/index.js';
import type { SupervisorDeps } from '../SupervisorDeps.js';
import type { SupervisorEvent } from '../SupervisorEvent.js';
import type { Supervisor } from '../Supervisor.js';
import type { SupervisorSnapshot } from '../SupervisorSnapshot.js';
import type { ChildRecord } from './ChildRecord.js';
import type { ChildStart } from './childProcess.js';

/** A supervisor event before the supervisor stamps its name and the time on it. */
export type SupervisorEventInput = SupervisorEvent extends infer TEvent
  ? TEvent extends unknown
    ? Omit<TEvent, 'supervisor' | 'at'>
    : never
  : never;

/**
 * What a supervisor shares with the pieces that react to its children (child exits, restarts,
 * parking): its state and the few operations they need. Every call runs inside the
 * supervisor's serial loop; none of them is public.
 */
export interface SupervisorCore {
  readonly name: string;
  readonly spec: SupervisorSpec;
  readonly deps: SupervisorDeps;
  readonly logger: Logger;
  /** The children in start order (mutated in place). */
  readonly children: ChildRecord[];
  readonly poison: PoisonDetector;
  /** Restart timestamps inside the intensity window (monotonic ms, newest first). */
  history: number[];
  /** True while the supervisor supervises (not idle, stopping, stopped or failed). */
  isRunning(): boolean;
  /** Queues `work` on the supervisor's operation loop (OTP: one message at a time). */
  serial<T>(work: () => Promise<T> | T): Promise<T>;
  emit(event: SupervisorEventInput): void;
  startChild(child: ChildRecord, from: ChildStart | undefined): Promise<void>;
  /** A nested supervisor for a supervisor child, sharing this one's deps. */
  createSub(
    spec: SupervisorSpec,
    name: string,
    snapshot: SupervisorSnapshot | undefined,
  ): Supervisor;
  stopChild(child: ChildRecord, options: { hold: boolean; how: string }): Promise<void>;
  /** Drops the child's record (its spec goes away). */
  remove(child: ChildRecord): void;
  /** Stops everything and fails the supervisor with `error`. */
  giveUp(
    error: RuntimeError,
    child: ChildRecord,
    failureClass: FailureClass | undefined,
  ): Promise<void>;
  /** OTP auto_shutdown: stops every child and the supervisor, which exits `shutdown`. */
  autoShutdown(child: ChildRecord): Promise<void>;
  /** Answers a request through the supervisor's own actor. */
  reply(to: Envelope, payload: unknown): void;
}

import type { AnyActorLogic } from 'xstate';
import type {
  ActorSystem,
  ActorTemplate,
  CheckpointStore,
  Clock,
  Journal,
  Logger,
  RuntimeError,
} from 'agentvisor/internal';
import type { EscalationService } from './escalation/index.js';
import type { FailureClass } from './failureClasses.js';
import type { SupervisorEvent } from './SupervisorEvent.js';

/** Everything a supervisor needs besides its spec; shared by a whole tree. */
export interface SupervisorDeps {
  readonly system: ActorSystem;
  /** Agents a policy refers to by name. */
  readonly agents: Readonly<Record<string, ActorTemplate | AnyActorLogic>>;
  readonly escalations: EscalationService;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jitter source. @default Math.random */
  readonly random: () => number;
  readonly classify: (error: unknown) => FailureClass;
  /** Receives every event of every supervisor in the tree. */
  readonly emit: (event: SupervisorEvent) => void;
  /** Where durable workers keep checkpoints and journals; absent: workers are in memory only. */
  readonly persistence?: { readonly store: CheckpointStore; readonly journal: Journal } | undefined;
}

/**
 * Why a supervisor ended by itself: `shutdown` after an auto shutdown (OTP's exit reason there),
 * `failed` after it gave up or escalated.
 */
export type SupervisorExit =
  { readonly type: 'shutdown' } | { readonly type: 'failed'; readonly error: RuntimeError };

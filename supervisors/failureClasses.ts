/**
 * Failure classes (DESIGN.md "Failure classes"): one classification serves retries, breakers and
 * supervisors alike.
 */
import type { FailureClass } from 'agentvisor/internal';

// The classes themselves live in the runtime (runtime/resilience), shared by retries, breakers
// and supervisors.
export { FAILURE_CLASSES } from 'agentvisor/internal';
export type { FailureClass } from 'agentvisor/internal';

/**
 * What a supervisor does about a failed child:
 * - `restart`: a new incarnation (after backoff), per the strategy;
 * - `resume`: keep the state it had before the failing message and drop that message;
 * - `stop`: stop the child and do not restart it;
 * - `escalate`: fail the supervisor itself; its parent decides;
 * - `human`: park the child (messages held) and open an escalation for a person to decide.
 */
export const DIRECTIVES = ['restart', 'resume', 'stop', 'escalate', 'human'] as const;
/** One of {@link DIRECTIVES}. */
export type Directive = (typeof DIRECTIVES)[number];

/**
 * What a person decides about an escalation:
 * - `retry`: restore the last good state and deliver the failed message again;
 * - `resume`: restore the last good state (optionally with an edited context), drop the message;
 * - `skip`: as resume, and answer the failed message's asker with a supplied result;
 * - `restart-fresh`: start from the initial state;
 * - `stop`: stop the child for good.
 */
export const HUMAN_DECISIONS = ['retry', 'resume', 'skip', 'restart-fresh', 'stop'] as const;
/** One of {@link HUMAN_DECISIONS}. */
export type HumanDecisionType = (typeof HUMAN_DECISIONS)[number];

/** OTP restart types. */
export const RESTART_TYPES = ['permanent', 'transient', 'temporary'] as const;
/** One of {@link RESTART_TYPES}. */
export type RestartType = (typeof RESTART_TYPES)[number];

/** Restart strategies; `dynamic` is OTP's simple_one_for_one (one template, many instances). */
export const STRATEGIES = ['one-for-one', 'one-for-all', 'rest-for-one', 'dynamic'] as const;
/** One of {@link STRATEGIES}. */
export type Strategy = (typeof STRATEGIES)[number];

/** OTP auto_shutdown. */
export const AUTO_SHUTDOWNS = ['never', 'any-significant', 'all-significant'] as const;
/** One of {@link AUTO_SHUTDOWNS}. */
export type AutoShutdown = (typeof AUTO_SHUTDOWNS)[number];

/**
 * The default decision table: let it crash (restart) unless restarting cannot help.
 * - `auth`, `safety`, `uncertain-effect`, `budget`: a person decides (credentials, policy, a side
 *   effect that may or may not have happened, money);
 * - `poison`, `invalid-request`: resume, i.e. drop the message that fails and keep the state, so
 *   the same input is not retried;
 * - everything else (`transient`, `rate-limit`, `invalid-output`, `bug`): restart.
 */
export const DEFAULT_DECISIONS: Readonly<Record<FailureClass, Directive>> = {
  transient: 'restart',
  'rate-limit': 'restart',
  auth: 'human',
  'invalid-request': 'resume',
  'invalid-output': 'restart',
  budget: 'human',
  poison: 'resume',
  'uncertain-effect': 'human',
  safety: 'human',
  bug: 'restart',
};

import type { Clock, TimerHandle } from 'agentvisor/internal';
import type { HumanDecisionType } from '../../failureClasses.js';
import type { ApplyDecision } from '../EscalationService.js';

/** What a service remembers of an escalation bound to it: how to apply it, and its timer. */
export interface Binding {
  readonly apply: ApplyDecision;
  readonly dueAt: number;
  readonly defaultDecision: HumanDecisionType;
  /** `undefined` when not armed (clock handles are never undefined). */
  timer: TimerHandle;
}

/** Platform timers overflow past 2^31-1 ms (~24.8 days) and fire at once: longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Arms `binding`'s deadline: `onDue` runs at `dueAt` while `isCurrent()` still holds. The time is
 * authoritative, not the timer: a wait split over several timers (or a wall clock set back)
 * re-arms until the wall clock reaches `dueAt`.
 */
export function armDeadline(
  clock: Clock,
  binding: Binding,
  isCurrent: () => boolean,
  onDue: () => void,
): void {
  if (binding.dueAt === Infinity) return;
  const remaining = Math.max(0, binding.dueAt - clock.now());
  binding.timer = clock.setTimeout(
    () => {
      binding.timer = undefined;
      if (!isCurrent()) return;
      if (clock.now() < binding.dueAt) {
        armDeadline(clock, binding, isCurrent, onDue);
        return;
      }
      onDue();
    },
    Math.min(remaining, MAX_TIMER_MS),
  );
}

/** Cancels `binding`'s deadline timer, if armed. */
export function disarmDeadline(clock: Clock, binding: Binding): void {
  if (binding.timer === undefined) return;
  clock.clearTimeout(binding.timer);
  binding.timer = undefined;
}

import { Listeners, type CircuitState, type FailureClass } from 'agentvisor/internal';
import type { ContentSource } from '../guards/index.js';
import type { DegradeTrigger } from './AgentResilienceOptions.js';

/**
 * What the resilience of an agent reports as it happens (the example's timeline, logs, tests):
 * - `retry`: an attempt on `endpoint` failed; the next comes after `delayMs` (a `Retry-After`
 *   included);
 * - `fallback`: `from` failed in the chain of `model`; the next endpoint is tried;
 * - `breaker`: a breaker this agent uses changed state;
 * - `tool-withheld`: a tool was left out of the tools offered to a model, its breaker open;
 * - `degraded`: a model call took the degraded strategy (journaled as the effect's outcome);
 * - `budget-exceeded`: a task went over a limit (failure class `budget`);
 * - `repaired`: an invalid output was fixed by asking the model again;
 * - `screened`: untrusted input was screened for prompt injection (`blocked` when refused).
 */
export type ResilienceEvent =
  | {
      readonly type: 'retry';
      readonly agent: string;
      readonly endpoint: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly failureClass: FailureClass;
      readonly retryAfterMs?: number;
    }
  | {
      readonly type: 'fallback';
      readonly agent: string;
      readonly model: string;
      readonly from: string;
      readonly failureClass: FailureClass;
      readonly coolDownMs?: number;
    }
  | {
      readonly type: 'breaker';
      readonly breaker: string;
      readonly from: CircuitState;
      readonly to: CircuitState;
      readonly reason: string;
    }
  | {
      readonly type: 'tool-withheld';
      readonly agent: string;
      readonly tool: string;
      readonly state: CircuitState;
    }
  | {
      readonly type: 'degraded';
      readonly agent: string;
      readonly model: string;
      readonly trigger: DegradeTrigger;
      readonly task: string;
      /** The declared model the degraded path used. */
      readonly use: string;
    }
  | {
      readonly type: 'budget-exceeded';
      readonly agent: string;
      readonly task: string;
      readonly dimension: string;
    }
  | {
      readonly type: 'repaired';
      readonly agent: string;
      readonly model: string;
      readonly attempts: number;
    }
  | {
      readonly type: 'screened';
      readonly agent: string;
      /** Where the screened message came from: `user` or `tool`. */
      readonly source: ContentSource;
      readonly action: string;
      readonly score: number;
      readonly blocked: boolean;
    };

/**
 * The listeners of {@link ResilienceEvent}s: the runtime's {@link Listeners} (a throwing listener
 * stops neither the others nor the call; its error is rethrown on a new macrotask).
 */
export class ResilienceEvents extends Listeners<ResilienceEvent> {}

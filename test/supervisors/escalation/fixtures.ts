import type { Envelope } from 'agentvisor';
import type {
  EscalationFacts,
  OpenEscalationInput,
} from '../../../supervisors/escalation/index.js';

/** A message as the system records it. */
export function envelope(id: string, type: string, payload: unknown): Envelope {
  return { v: 1, id, type, to: 'greeter-1', from: 'client', payload };
}

/** Every field of an escalation's facts filled in, as a supervisor would. */
export function facts(overrides: Partial<EscalationFacts> = {}): EscalationFacts {
  return {
    supervisor: 'root',
    child: {
      id: 'greeter',
      name: 'greeter-1',
      incarnation: 3,
      spec: { id: 'greeter', agent: '[agent greeter]', restart: 'permanent', shutdownMs: 5000 },
    },
    failureClass: 'auth',
    errorChain: [
      {
        code: 'ERR_ACTOR_FAILED',
        message: 'greeter failed',
        details: { actor: 'greeter-1' },
        cause: { code: 'ERR_UNKNOWN', message: '401 Unauthorized', details: { name: 'Error' } },
      },
    ],
    restartHistory: [1_000, 2_500],
    lastCheckpoint: { kind: 'last-good-snapshot', snapshot: { value: 'idle', context: { n: 2 } } },
    lastMessages: [
      envelope('m1', 'greet', { who: 'ada' }),
      envelope('m2', 'greet', { who: 'bob' }),
    ],
    failedMessage: envelope('m2', 'greet', { who: 'bob' }),
    defaultDecision: 'stop',
    ...overrides,
  };
}

/** {@link facts} plus a deadline. */
export function input(
  deadlineMs = 60_000,
  overrides: Partial<EscalationFacts> = {},
): OpenEscalationInput {
  return { ...facts(overrides), deadlineMs };
}

/** Ids e1, e2, … so tests can name escalations. */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `e${++n}`;
}

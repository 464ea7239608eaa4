/**
 * Repair-loop properties: whatever the model answers, the guard asks at most maxRepairs + 1
 * times, never re-asks after a valid answer (a valid first answer is asked once), and succeeds
 * exactly when a valid answer comes within the bound; a repair prompt never grows past the
 * original messages, the bad answer and the issues. fast-check prints the seed of a failure.
 */
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import { ErrorCode, isRuntimeError } from 'agentvisor';
import { createOutputGuard, createSimulatedModel, type Fault } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { drive } from '../../runtime/resilience/drive.js';

const Point = z.strictObject({ x: z.number(), y: z.number() });
const VALID = '{"x":1,"y":2}';

/** What the model does on one call. */
type Answer =
  | 'valid'
  | 'wrong-type'
  | 'missing'
  | 'not-json'
  | 'malformed-fault'
  | 'violation-fault'
  | 'semantic';
const answers = fc.constantFrom<Answer>(
  'valid',
  'wrong-type',
  'missing',
  'not-json',
  'malformed-fault',
  'violation-fault',
  'semantic',
);

const textOf: Record<Answer, string> = {
  valid: VALID,
  'wrong-type': '{"x":"1","y":2}',
  missing: '{"x":1}',
  'not-json': 'x is one and y is two',
  'malformed-fault': VALID,
  'violation-fault': VALID,
  semantic: '{"x":-1,"y":2}',
};
const faultOf: Partial<Record<Answer, Fault>> = {
  'malformed-fault': { type: 'malformed-json' },
  'violation-fault': { type: 'schema-violation' },
};

describe('OutputGuard repair loop', () => {
  it.prop([fc.array(answers, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 6 })])(
    'asks at most maxRepairs + 1 times and stops at the first valid answer',
    async (script, maxRepairs) => {
      const clock = new TestClock();
      let calls = 0;
      let maxMessages = 0;
      const at = (call: number): Answer => script[Math.min(call, script.length) - 1]!;
      const model = createSimulatedModel(
        {
          latencyMs: [1, 5],
          script: (request, call) => {
            calls = call;
            // A repair prompt is the original message, at most the bad answer, and the issues.
            maxMessages = Math.max(maxMessages, request.messages.length);
            return textOf[at(call)];
          },
          faults: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((call) => {
            const fault = faultOf[at(call)];
            return fault === undefined ? [] : [{ on: call, fault }];
          }),
        },
        { clock },
      );
      const guard = createOutputGuard({
        schema: Point,
        maxRepairs,
        validators: [(p) => (p.x >= 0 ? [] : [{ path: 'x', message: 'must be >= 0' }])],
      });
      const outcome = await drive(
        clock,
        guard.complete(model, {
          messages: [{ role: 'user', content: 'a point' }],
          responseFormat: { type: 'json_object' },
        }),
      );
      const firstValid = Array.from({ length: maxRepairs + 1 }, (_, i) => at(i + 1)).indexOf(
        'valid',
      );
      expect(calls).toBeLessThanOrEqual(maxRepairs + 1);
      expect(maxMessages).toBeLessThanOrEqual(3);
      if (firstValid === -1) {
        expect(outcome.ok).toBe(false);
        const error = (outcome as { error: unknown }).error;
        expect(isRuntimeError(error, ErrorCode.InvalidOutput)).toBe(true);
        expect(calls).toBe(maxRepairs + 1);
      } else {
        expect(outcome.ok).toBe(true);
        const result = (outcome as { value: { attempts: number; repairs: number } }).value;
        // Never re-asked after a valid answer; a valid first answer is asked exactly once.
        expect(result.attempts).toBe(firstValid + 1);
        expect(calls).toBe(firstValid + 1);
        expect(result.repairs).toBe(firstValid);
      }
    },
  );
});

/**
 * The agents of `npm start` (examples/team) pass the pre-deploy check. The publisher's post has
 * no `onError` on purpose (a failed post fails the agent and its supervisor decides by class):
 * declared with `failToSupervisor`. Context that grows with every task (counters) makes these
 * spaces infinite: the check is bounded and says so.
 */
import { describe, expect, it } from 'vitest';
import { checkAgent, createSimulatedModel } from 'agentvisor/actors';
import { coordinator, publisher, worker } from '../../../examples/team/agents.js';

const model = createSimulatedModel({ name: 'sim', script: () => 'ok' });

describe('the example agents', () => {
  it.each([
    ['worker', () => worker('researcher', 'researcher', model), {}],
    ['coordinator', () => coordinator, {}],
    ['publisher', () => publisher(() => Promise.resolve('url')), { failToSupervisor: ['posting'] }],
  ])(
    '%s passes every property',
    (_name, agent, options) => {
      const report = checkAgent(agent(), options);
      expect(report.properties.filter((p) => !p.ok)).toEqual([]);
      expect(report.states).toBeGreaterThan(1);
    },
    60_000,
  );

  it('without failToSupervisor the publisher’s unhandled post error is found', () => {
    const report = checkAgent(publisher(() => Promise.resolve('url')));
    expect(report.properties.find((p) => p.property === 'effect-error-path')).toMatchObject({
      ok: false,
      counterexample: [
        { event: 'publish.post {"text":"a"}', state: 'posting' },
        { event: 'error:0.publisher.posting:transient', state: 'error' },
      ],
    });
  }, 60_000);
});

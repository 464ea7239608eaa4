import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { RolloutController, createKvRolloutStore } from 'agentvisor/actors';

let server: NatsServerHandle;
let first: NatsConnection;
let second: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  first = await connect({ servers: server.url });
  second = await connect({ servers: server.url });
});

afterAll(async () => {
  await first.close();
  await second.close();
  await server.stop();
});

const versions = [
  { name: 'analyst', version: 1 },
  { name: 'analyst', version: 2, migrate: (): unknown => ({}) },
];
const healthy = { error: 0, success: 1, escalation: 0, latencyMs: 50, costUsd: 0.01 };

describe('createKvRolloutStore over a real nats-server', () => {
  it('a second store on another connection continues the rollout from its step; stale writers conflict', async () => {
    const clock = new TestClock();
    const storeA = await createKvRolloutStore(first, { namespace: 'kvtest' });
    const a = await RolloutController.start(
      {
        agent: 'analyst',
        stable: 1,
        candidate: 2,
        steps: [{ canary: 0.1 }, { canary: 0.5 }, { full: true }],
        analysis: { minSamples: 5 },
      },
      { versions },
      { clock, store: storeA },
    );
    for (let i = 0; i < 20; i += 1) {
      a.record('stable', { metrics: healthy });
      a.record('candidate', { metrics: healthy });
    }
    // The analysis writes over the network: wait for the step event, not for the clock.
    const stepped = new Promise<void>((resolve) => {
      a.onEvent((e) => {
        if (e.type === 'rollout.step') resolve();
      });
    });
    await clock.advance(60_000);
    await stepped;
    expect(a.state.stepIndex).toBe(1);
    a.dispose(); // the node holding it is gone

    const storeB = await createKvRolloutStore(second, { namespace: 'kvtest' });
    expect((await storeB.list()).map((s) => [s.config.id, s.stepIndex])).toEqual([
      ['analyst@1->2', 1],
    ]);
    const b = await RolloutController.resume('analyst@1->2', { clock, store: storeB });
    expect(b.state.stepIndex).toBe(1);
    expect(b.router.traffic.weight).toBe(0.5);
    await b.pause('operator');
    // The old owner's revision is stale: its write is refused, not lost silently.
    await expect(a.abort('stale node')).rejects.toMatchObject({ code: 'ERR_PERSISTENCE_CONFLICT' });
    expect((await storeA.load('analyst@1->2'))?.state.status).toBe('paused');
    // And a second rollout of the agent is refused while this one is active.
    await expect(
      RolloutController.start(
        { id: 'again', agent: 'analyst', stable: 1, candidate: 2, steps: [{ full: true }] },
        { versions },
        { clock, store: storeB },
      ),
    ).rejects.toMatchObject({ code: 'ERR_ROLLOUT_CONFLICT' });
  });
});

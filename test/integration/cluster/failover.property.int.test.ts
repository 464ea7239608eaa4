import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  PlacementRecordSchema,
  systemClock,
  type PlacementRecord,
} from 'agentvisor/internal';
import { ClusterNode } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents } from './fixtures/agents.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

const FAST = { heartbeatMs: 50, deadAfterMs: 250 } as const;
const NODE_IDS = ['n1', 'n2', 'n3'] as const;
const UNITS = ['u1', 'u2', 'u3', 'u4'];

let server: NatsServerHandle;
let watcher: NatsConnection;
let client: NatsTransport;

beforeAll(async () => {
  server = await startNatsServer();
  watcher = await connect({ servers: server.url });
  client = await NatsTransport.connect({ servers: server.url });
});

afterAll(async () => {
  await client.close();
  await watcher.close();
  await server.stop();
});

type Step =
  | { type: 'kill'; node: number }
  | { type: 'drain'; node: number }
  | { type: 'start'; node: number }
  | { type: 'wait'; ms: number }
  | { type: 'send'; unit: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('kill' as const), node: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ type: fc.constant('drain' as const), node: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ type: fc.constant('start' as const), node: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ type: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ type: fc.constant('send' as const), unit: fc.integer({ min: 0, max: 3 }) }),
);

let run = 0;

describe('ClusterNode failover (property)', () => {
  it('after any sequence of node kills, drains, restarts and messages: one owner per unit, epochs only grow, no acknowledged message lost or applied twice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        const ns = `prop${++run}`;
        const config = { namespace: ns, servers: server.url, ...FAST };
        const options = { ...config, units: UNITS.map((name) => ({ name, agent: 'tally' })) };
        // Every placement write, in order, per unit.
        const kv = await new Kvm(jetstream(watcher)).create('agentvisor_placements', {
          history: 5,
        });
        const seen = new Map<string, PlacementRecord[]>();
        const watch = await kv.watch({ key: `${Buffer.from(ns).toString('base64url')}.>` });
        void (async () => {
          for await (const e of watch) {
            const parsed = PlacementRecordSchema.safeParse(e.json());
            if (!parsed.success) continue;
            const list = seen.get(parsed.data.unit) ?? [];
            list.push(parsed.data);
            seen.set(parsed.data.unit, list);
          }
        })();
        const live: (ClusterNode | undefined)[] = [undefined, undefined, undefined];
        // Messages sent (retried with the same id until answered) and those acknowledged.
        const sent = new Map<string, string[]>(UNITS.map((u) => [u, []]));
        const acked = new Map<string, string[]>(UNITS.map((u) => [u, []]));
        let nextId = 0;
        const send = async (unit: string, totalMs: number) => {
          const id = `m${nextId++}`;
          sent.get(unit)!.push(id);
          try {
            await askWithRetry(client, ns, unit, 'add', { id }, `${unit}-${id}`, {
              now: () => systemClock.now(),
              sleep,
              attemptMs: 300,
              totalMs,
            });
            acked.get(unit)!.push(id);
          } catch {
            // Not acknowledged (no node up in time): it may or may not have been processed.
          }
        };
        const start = async (i: number) => {
          live[i] ??= await ClusterNode.start({ ...options, node: NODE_IDS[i]! }, { agents });
        };
        try {
          await start(0);
          for (const step of steps) {
            if (step.type === 'wait') await sleep(step.ms);
            else if (step.type === 'send') await send(UNITS[step.unit]!, 1_500);
            else if (step.type === 'start') await start(step.node);
            else {
              const node = live[step.node];
              live[step.node] = undefined;
              if (step.type === 'kill') await node?.close();
              else await node?.drain();
            }
          }
          if (live.every((n) => n === undefined)) await start(1);
          const up = live.filter((n): n is ClusterNode => n !== undefined);
          const runners = (unit: string) =>
            up.filter((n) => n.system.describe(unit)?.status === 'running');
          await waitFor('every unit owned once', () =>
            UNITS.every((unit) => {
              const owners = runners(unit);
              const record = up[0]!.placements.get(unit)?.record;
              return (
                owners.length === 1 &&
                record?.status === 'active' &&
                record.node === owners[0]!.id &&
                record.run === owners[0]!.run
              );
            }),
          );
          // Not a sleep: two more heartbeats of every up node, seen by every up node.
          const beats = () =>
            up.flatMap((n) => up.map((m) => n.membership.seen(m.id)?.record.at ?? -1));
          for (let b = 0; b < 2; b++) {
            const before = beats();
            await waitFor(`heartbeat round ${String(b + 1)} seen everywhere`, () =>
              beats().every((at, i) => at > before[i]!),
            );
          }
          for (const unit of UNITS) await send(unit, 10_000);
          for (const unit of UNITS) {
            expect(runners(unit)).toHaveLength(1);
            const state = (await runners(unit)[0]!.system.ask(unit, 'get')) as { ids: string[] };
            // Acknowledged: processed exactly once. Sent but unacknowledged: at most once.
            for (const id of acked.get(unit)!)
              expect(state.ids.filter((x) => x === id)).toHaveLength(1);
            expect(new Set(state.ids).size).toBe(state.ids.length);
            for (const id of state.ids) expect(sent.get(unit)).toContain(id);
            const history = seen.get(unit) ?? [];
            for (let i = 1; i < history.length; i++) {
              const [prev, next] = [history[i - 1]!, history[i]!];
              expect(next.epoch).toBeGreaterThanOrEqual(prev.epoch);
              // A new owner always comes with a new epoch; a release keeps the owner's epoch.
              if (next.node !== prev.node || next.run !== prev.run)
                expect(next.epoch).toBeGreaterThan(prev.epoch);
            }
          }
        } finally {
          watch.stop();
          await Promise.all(live.flatMap((n) => (n === undefined ? [] : [n.close()])));
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 180_000);
});

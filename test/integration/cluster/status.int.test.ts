/**
 * `status` tells the truth (issue 10 item 7): a subtree unit shows its children (a parked one as
 * parked, with restarts and real processed counts) and its open escalations; a killed node is
 * marked dead, then pruned from the members list.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { assign, fromPromise, setup } from 'xstate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { respond, type MessageEvent } from 'agentvisor';
import {
  ClusterNode,
  readClusterStatus,
  type ClusterAgent,
  type ClusterEvent,
} from 'agentvisor/node';
import { createSupervisionTree, describeTree, withFailureClass } from 'agentvisor/supervisors';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents } from './fixtures/agents.js';
import { runCli } from './fixtures/nodeProcess.js';
import { waitFor } from './fixtures/waitFor.js';

const FAST = { heartbeatMs: 100, deadAfterMs: 600 } as const;

let server: NatsServerHandle;
let nc: NatsConnection;
const nodes: ClusterNode[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

type ClerkEvent = MessageEvent<'note'> | MessageEvent<'login'>;

/** Counts `note`s; `login` fails with an `auth`-class error (the policy parks it for a person). */
const clerk = setup({
  types: { context: {} as { notes: number }, events: {} as ClerkEvent },
}).createMachine({
  context: { notes: 0 },
  on: {
    note: {
      actions: [
        assign({ notes: ({ context }) => context.notes + 1 }),
        respond(({ context }) => context.notes),
      ],
    },
    login: {
      actions: () => {
        throw withFailureClass(new Error('the key was revoked'), 'auth');
      },
    },
  },
});

const office: ClusterAgent = {
  start: async ({ system, store, journal }) => {
    const tree = await createSupervisionTree(
      system,
      {
        root: {
          id: 'office',
          onFailure: { auth: 'human' },
          children: [
            { id: 'clerk-1', agent: 'clerk' },
            { id: 'clerk-2', agent: 'clerk' },
          ],
        },
      },
      { agents: { clerk }, persistence: { store, journal } },
    );
    return { stop: () => tree.stop(), describe: () => describeTree(tree) };
  },
};

describe('cluster status', () => {
  it('shows a subtree’s children (a parked one as parked), real processed counts and open escalations; a killed node is dead, then pruned', async () => {
    const ns = 'status-truth';
    const start = async (node: string, units: ClusterNodeOptionsUnits) => {
      const n = await ClusterNode.start(
        { node, namespace: ns, servers: server.url, ...FAST, units },
        { agents: { ...agents, office } },
      );
      nodes.push(n);
      return n;
    };
    const a = await start('a', [{ name: 'office', agent: 'office', placement: { node: 'a' } }]);
    const b = await start('b', [{ name: 'office', agent: 'office', placement: { node: 'a' } }]);
    await waitFor('the office runs on a', () =>
      a.system.describe('clerk-2')?.status === 'running' ? true : undefined,
    );
    await a.system.ask('clerk-1', 'note');
    await a.system.ask('clerk-1', 'note');
    await a.system.ask('clerk-2', 'note');
    a.system.tell('clerk-2', 'login');

    const parked = await waitFor('clerk-2 parked, as status reads it', async () => {
      const status = await readClusterStatus(nc, { namespace: ns, deadAfterMs: FAST.deadAfterMs });
      const unit = status.nodes
        .find((n) => n.record.node === 'a')
        ?.status?.units.find((u) => u.name === 'office');
      return unit?.children?.find((c) => c.id === 'clerk-2')?.status === 'parked'
        ? { status, unit }
        : undefined;
    });
    const { unit } = parked;
    expect(unit.openEscalations).toBe(1);
    expect(unit.processed).toBe(4); // delivered: clerk-2 got `note` and the `login` it failed on
    expect(unit.children).toEqual([
      expect.objectContaining({ id: 'clerk-1', status: 'running', processed: 2, restarts: 0 }),
      expect.objectContaining({ id: 'clerk-2', status: 'parked', processed: 2 }),
    ]);
    // The text an operator reads: `agentvisor status` (ops/ has no package entry; its CLI is it).
    const shown = await runCli(['status', '--server', server.url, '--namespace', ns]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/clerk-2\s+parked/);
    expect(shown.out).toMatch(/escalations open 1/);

    // Node b is killed (closed without drain): marked dead, not "not answering"; then pruned.
    await b.close();
    const dead = await waitFor('b marked dead', async () => {
      const status = await readClusterStatus(nc, {
        namespace: ns,
        deadAfterMs: FAST.deadAfterMs,
        timeoutMs: 200,
      });
      const entry = status.nodes.find((n) => n.record.node === 'b');
      return entry?.dead === true ? status : undefined;
    });
    expect(dead.nodes.find((n) => n.record.node === 'a')?.dead).toBe(false);
    // Rendered ` b  dead` (test/ops/formatClusterStatus.test.ts): dead, and no answer of its own.
    expect(dead.nodes.find((n) => n.record.node === 'b')?.status).toBeUndefined();
    await waitFor(
      'b pruned from the members',
      async () => {
        const status = await readClusterStatus(nc, { namespace: ns, timeoutMs: 200 });
        return status.nodes.every((n) => n.record.node !== 'b') ? status : undefined;
      },
      20_000,
    );
    expect(a.membership.members().map((m) => m.node)).toEqual(['a']);
  }, 40_000);
});

describe('cluster status: stuck', () => {
  it('reports an actor owing an effect with no transition past its step deadline: event, status, text', async () => {
    const ns = 'status-stuck';
    const n = await ClusterNode.start(
      {
        node: 'a',
        namespace: ns,
        servers: server.url,
        ...FAST,
        units: [{ name: 'hung', agent: 'hung' }],
      },
      { agents: { hung: { logic: hung, stuckAfterMs: 300 } } },
    );
    nodes.push(n);
    const stuck = new Promise<ClusterEvent>((resolve) => {
      n.onEvent((e) => {
        if (e.type === 'stuck') resolve(e);
      });
    });
    await waitFor('hung running', () => n.system.describe('hung')?.status === 'running');
    n.system.tell('hung', 'start');
    expect(await stuck).toEqual(
      expect.objectContaining({ type: 'stuck', unit: 'hung', actor: 'hung', owed: ['effect'] }),
    );
    const status = await readClusterStatus(nc, { namespace: ns });
    const unit = status.nodes[0]?.status?.units.find((u) => u.name === 'hung');
    expect(unit?.status).toBe('stuck');
    const shown = await runCli(['status', '--server', server.url, '--namespace', ns]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/epoch \d+ {2}stuck/);
  });
});

/** `start` invokes an effect that never settles. */
const hung = setup({
  types: { events: {} as MessageEvent<'start'> },
  actors: { never: fromPromise(() => new Promise<never>(() => undefined)) },
}).createMachine({
  initial: 'idle',
  states: { idle: { on: { start: 'working' } }, working: { invoke: { src: 'never' } } },
});

type ClusterNodeOptionsUnits = NonNullable<Parameters<typeof ClusterNode.start>[0]['units']>;

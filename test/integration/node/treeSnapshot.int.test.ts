/**
 * Issue 11 item 6: a tree unit saves its supervisor snapshot (restart history, backoff, parked
 * children) beside its workers' checkpoints, fenced like them, and the tree restored on the next
 * node continues from it instead of starting with a fresh restart history.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import {
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  createLogger,
  respond,
  systemClock,
  type MessageEvent,
} from 'agentvisor';
import { createSubjects } from 'agentvisor/internal';
import type { SupervisionTree, SupervisorEvent } from 'agentvisor/supervisors';
import {
  ClusterNode,
  loadClusterConfig,
  type ClusterAgent,
  type ClusterNodeConfig,
} from 'agentvisor/node';
import { TreeSnapshotWriter } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { askWithRetry } from '../cluster/fixtures/askWithRetry.js';
import { sleep, waitFor } from '../cluster/fixtures/waitFor.js';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';

// intensity 2: a fresh tree gives up on the 3rd crash in the window; one restored after 2
// crashes gives up on the next one.
const DESK = `
namespace: NS
heartbeatMs: 100
deadAfterMs: 600
minMembers: 2
root:
  id: desk
  intensity: 2
  periodMs: 600000
  human: { deadlineMs: 600000, default: stop }
  children:
    - { id: w, agent: crashy }
`;

/** Counts `add`; `boom` throws in an action, which fails the worker (its supervisor restarts it). */
const crashy = setup({
  types: {
    context: {} as { count: number },
    events: {} as MessageEvent<'add'> | MessageEvent<'boom'> | MessageEvent<'get'>,
  },
}).createMachine({
  context: { count: 0 },
  on: {
    add: { actions: [assign({ count: ({ context }) => context.count + 1 }), respond(() => 'ok')] },
    boom: {
      actions: () => {
        throw new Error('boom');
      },
    },
    get: { actions: respond(({ context }) => context.count) },
  },
});
const agents: Record<string, ClusterAgent> = { crashy: { logic: crashy } };

let server: NatsServerHandle;
let client: NatsTransport;
const nodes: ClusterNode[] = [];
let dir: { dir: string; remove(): Promise<void> };
let nsCounter = 0;

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  dir = await makeTempDir('tree-snapshot');
});

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await client.close();
  await server.stop();
  await dir.remove();
});

async function loadDesk(): Promise<{ ns: string; config: ClusterNodeConfig }> {
  const ns = `snap${++nsCounter}`;
  const file = join(dir.dir, `${ns}.yaml`);
  await writeFile(file, DESK.replace('NS', ns));
  return { ns, config: await loadClusterConfig(file, { node: 'placeholder' }) };
}

/** A logger whose lines are kept, parsed. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { lines, logger: createLogger({ level: 'warn', destination }) };
}

async function start(config: ClusterNodeConfig, node: string, logger = captureLogger().logger) {
  const n = await ClusterNode.start({ ...config, node, servers: server.url }, { agents, logger });
  nodes.push(n);
  return n;
}

const UNIT = 'desk/w';
const RECORD = `agentvisor:tree/${UNIT}`;

function crash(ns: string, n: number): void {
  client.publish(createSubjects(ns).actor('w'), {
    v: 1,
    id: `boom-${String(n)}-${String(systemClock.now())}`,
    type: 'boom',
    to: 'w',
    payload: undefined,
  });
}

function unitReport(node: ClusterNode) {
  return node.status().units.find((u) => u.name === UNIT);
}

/** The worker's restarts as the unit's supervisor reports them, once it runs again. */
function restartsWhenRunning(node: ClusterNode): number | undefined {
  const w = unitReport(node)?.children?.find((c) => c.id === 'w');
  return w?.status === 'running' && node.system.describe('w')?.status === 'running'
    ? w.restarts
    : undefined;
}

async function savedSnapshot(ns: string) {
  const store = await JetStreamCheckpointStore.open(client.connection, {
    bucket: bucket(ns),
  });
  try {
    return await store.latest(RECORD);
  } finally {
    await store.close();
  }
}

describe('tree units save and restore their supervisor snapshot', () => {
  it('a tree that crashed twice under intensity 2 gives up on the next crash after failover', async () => {
    const { ns, config } = await loadDesk();
    const a = await start(config, 'a');
    const b = await start(config, 'b');
    const all = [a, b];
    const first = await waitFor('the unit running', () =>
      all.find((n) => restartsWhenRunning(n) === 0),
    );
    for (const n of [1, 2]) {
      crash(ns, n);
      await waitFor(`restart ${String(n)}`, () => restartsWhenRunning(first) === n || undefined);
    }
    // Both restarts are in the saved record before the node goes.
    await waitFor('two restarts saved', async () => {
      const saved = (await savedSnapshot(ns))?.checkpoint.snapshot as
        { restarts: number[]; children: Record<string, { restarts: number }> } | undefined;
      return saved?.restarts.length === 2 && saved.children['w']?.restarts === 2;
    });
    expect(await askWithRetry(client, ns, 'w', 'add', undefined, 'add-1', opts())).toBe('ok');

    await first.close();
    const survivor = first === a ? b : a;
    await waitFor('the unit restored on the survivor', () => restartsWhenRunning(survivor) === 2);
    expect(unitReport(survivor)?.openEscalations).toBe(0);
    expect(await askWithRetry(client, ns, 'w', 'get', undefined, 'get-1', opts())).toBe(1);

    // The third restart in the window exceeds intensity 2: the unit's supervisor gives up and
    // its root opens an escalation (a fresh history would have restarted the worker).
    crash(ns, 3);
    await waitFor('the supervisor gave up', () => unitReport(survivor)?.openEscalations === 1);
    expect(survivor.system.describe('w')?.status).not.toBe('running');
  });

  it('a snapshot record that does not validate is logged with its code and the tree starts fresh', async () => {
    const { ns, config } = await loadDesk();
    const store = await JetStreamCheckpointStore.open(client.connection, {
      bucket: bucket(ns),
    });
    await store.put({
      v: 1,
      actor: RECORD,
      machineId: 'agentvisor:supervisor',
      machineVersion: 1,
      snapshot: { v: 99, id: 'desk/w/supervisor' },
      journalSeq: 0,
      processedIds: [],
      incarnation: 1,
      createdAt: systemClock.now(),
    });
    await store.close();
    const a = captureLogger();
    const b = captureLogger();
    const nodesUp = [await start(config, 'a', a.logger), await start(config, 'b', b.logger)];
    const owner = await waitFor('the unit running', () =>
      nodesUp.find((n) => restartsWhenRunning(n) === 0),
    );
    const lines = (owner === nodesUp[0] ? a : b).lines;
    expect(lines).toContainEqual(
      expect.objectContaining({ code: 'ERR_CHECKPOINT_VERSION', key: RECORD }),
    );
    // Started fresh, nothing else lost: the worker runs and the record was replaced by a good one.
    expect(await askWithRetry(client, ns, 'w', 'add', undefined, 'add-1', opts())).toBe('ok');
    const saved = await savedSnapshot(ns);
    expect(saved?.checkpoint.snapshot).toMatchObject({ v: 1, id: 'desk/w/supervisor' });
  });

  it("refuses a stale owner's snapshot write once the next owner has claimed the record", async () => {
    const { ns } = await loadDesk();
    const store = await JetStreamCheckpointStore.open(client.connection, { bucket: bucket(ns) });
    const journal = await JetStreamJournal.open(client.connection, {
      stream: `SNAP_${String(nsCounter)}`,
      subjectPrefix: `snap.${String(nsCounter)}`,
    });
    const history = { restarts: [] as number[] };
    const tree = (): FakeTree => {
      const listeners = new Set<(e: SupervisorEvent) => void>();
      return {
        listeners,
        toSnapshot: () => ({ v: 1, id: 'desk/w/supervisor', takenAt: 0, ...history, children: {} }),
        onEvent: (l: (e: SupervisorEvent) => void) => {
          listeners.add(l);
          return { dispose: () => listeners.delete(l) };
        },
      };
    };
    const logs = [captureLogger(), captureLogger()];
    const deps = (i: number) => ({ store, journal, clock: systemClock, logger: logs[i]!.logger });
    try {
      const stale = await TreeSnapshotWriter.open(RECORD, 'desk/w/supervisor', 1, deps(0));
      const staleTree = tree();
      await stale.writer.claim(stale.snapshot);
      stale.writer.watch(staleTree as unknown as SupervisionTree);
      // The next owner (after failover) reads and claims the record.
      const owner = await TreeSnapshotWriter.open(RECORD, 'desk/w/supervisor', 2, deps(1));
      await owner.writer.claim(owner.snapshot);
      owner.writer.watch(tree() as unknown as SupervisionTree);
      const claimed = (await store.latest(RECORD))?.revision;
      // The stale owner's supervisor restarts a child and saves: refused, the record stands.
      history.restarts = [systemClock.now()];
      for (const l of staleTree.listeners) l(restartScheduled);
      await stale.writer.close();
      expect(
        logs[0]!.lines.some(
          (l) => (l['err'] as { code?: string } | undefined)?.code === 'ERR_PERSISTENCE_CONFLICT',
        ),
      ).toBe(true);
      const latest = await store.latest(RECORD);
      expect(latest?.revision).toBe(claimed);
      expect(latest?.checkpoint.incarnation).toBe(2);
      expect(latest?.checkpoint.snapshot).toMatchObject({ restarts: [] });
      await owner.writer.close();
    } finally {
      await store.close();
      await journal.close();
    }
  });
});

interface FakeTree {
  readonly listeners: Set<(e: SupervisorEvent) => void>;
  toSnapshot(): unknown;
  onEvent(l: (e: SupervisorEvent) => void): { dispose(): void };
}

const restartScheduled: SupervisorEvent = {
  type: 'restart-scheduled',
  supervisor: 'desk/w/supervisor',
  child: 'w',
  incarnation: 1,
  targets: ['w'],
  delayMs: 0,
  failureClass: undefined,
  at: 0,
};

function bucket(ns: string): string {
  return `agentvisor_checkpoints_${Buffer.from(ns).toString('base64url')}`;
}

function opts() {
  return { now: () => systemClock.now(), sleep };
}

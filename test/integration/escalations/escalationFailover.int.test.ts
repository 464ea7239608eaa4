/**
 * Issue 13: escalations are durable and cluster-wide. A tree child parked on an escalation, its
 * node crashes: the escalation stays open and is listed from the survivor, which took the unit
 * over with the child still parked; a decision made from another connection (another process's
 * view of the KV bucket) resumes the child where it runs now, once, and is in its journal.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import {
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  respond,
  systemClock,
  type MessageEvent,
} from 'agentvisor';
import { createSubjects, kvToken } from 'agentvisor/internal';
import { EscalationService, JetStreamEscalationStore } from 'agentvisor/supervisors';
import {
  ClusterNode,
  loadClusterConfig,
  type ClusterAgent,
  type ClusterNodeConfig,
} from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { askWithRetry } from '../cluster/fixtures/askWithRetry.js';
import { sleep, waitFor } from '../cluster/fixtures/waitFor.js';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';

const DESK = `
namespace: NS
heartbeatMs: 100
deadAfterMs: 600
minMembers: 2
root:
  id: desk
  onFailure: { auth: human }
  human: { deadlineMs: 600000, default: stop }
  children:
    - { id: w, agent: keyed }
`;

/** Counts `add`; `revoke` fails with an auth error (its supervisor parks it for a person). */
const keyed = setup({
  types: {
    context: {} as { count: number },
    events: {} as MessageEvent<'add'> | MessageEvent<'revoke'> | MessageEvent<'get'>,
  },
}).createMachine({
  context: { count: 0 },
  on: {
    add: { actions: [assign({ count: ({ context }) => context.count + 1 }), respond(() => 'ok')] },
    revoke: {
      actions: () => {
        throw Object.assign(new Error('401 key revoked'), { failureClass: 'auth' });
      },
    },
    get: { actions: respond(({ context }) => context.count) },
  },
});
const agents: Record<string, ClusterAgent> = { keyed: { logic: keyed } };

let server: NatsServerHandle;
let client: NatsTransport;
const nodes: ClusterNode[] = [];
let dir: { dir: string; remove(): Promise<void> };

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  dir = await makeTempDir('escalation-failover');
});

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await client.close();
  await server.stop();
  await dir.remove();
});

async function loadDesk(ns: string): Promise<ClusterNodeConfig> {
  const file = join(dir.dir, `${ns}.yaml`);
  await writeFile(file, DESK.replace('NS', ns));
  return loadClusterConfig(file, { node: 'placeholder' });
}

async function start(config: ClusterNodeConfig, node: string): Promise<ClusterNode> {
  const n = await ClusterNode.start({ ...config, node, servers: server.url }, { agents });
  nodes.push(n);
  return n;
}

async function savedSnapshot(ns: string) {
  const store = await JetStreamCheckpointStore.open(client.connection, {
    bucket: `agentvisor_checkpoints_${kvToken(ns)}`,
  });
  try {
    return await store.latest('agentvisor:tree/desk/w');
  } finally {
    await store.close();
  }
}

const opts = () => ({ now: () => systemClock.now(), sleep });

function childOf(node: ClusterNode) {
  return node
    .status()
    .units.find((u) => u.name === 'desk/w')
    ?.children?.find((c) => c.id === 'w');
}

describe('durable, cluster-wide escalations', () => {
  it('an escalation open on a node that crashes is listed and decided from the survivor side; the child resumes where it runs now', async () => {
    const ns = 'esc1';
    const config = await loadDesk(ns);
    const a = await start(config, 'a');
    const b = await start(config, 'b');
    expect(await askWithRetry(client, ns, 'w', 'add', undefined, 'add-1', opts())).toBe('ok');
    const holder = await waitFor('the unit running', () =>
      [a, b].find((n) => childOf(n)?.status === 'running'),
    );
    const survivor = holder === a ? b : a;
    client.publish(createSubjects(ns).actor('w'), {
      v: 1,
      id: `revoke-${String(systemClock.now())}`,
      type: 'revoke',
      to: 'w',
      payload: undefined,
    });
    // Listed from the other node, which does not hold the child.
    const [open] = await waitFor('the escalation listed from the other node', async () => {
      const list = await survivor.escalations.list({ status: 'open' });
      return list.length === 1 ? list : undefined;
    });
    expect(open).toMatchObject({ failureClass: 'auth', child: { id: 'w', name: 'w' } });
    await waitFor('the child parked', () => childOf(holder)?.status === 'parked' || undefined);
    // The parked state is in the tree's saved snapshot before the holder crashes.
    await waitFor('the parked child saved', async () => {
      const saved = (await savedSnapshot(ns))?.checkpoint.snapshot as
        { children: Record<string, { parked?: { escalation: string } }> } | undefined;
      return saved?.children['w']?.parked?.escalation === open!.id || undefined;
    });
    await holder.close();

    await waitFor(
      'the child parked on the survivor',
      () => childOf(survivor)?.status === 'parked' || undefined,
    );
    expect((await survivor.escalations.list({ status: 'open' })).map((e) => e.id)).toEqual([
      open!.id,
    ]);

    // Another process's view: a plain connection, its own store and service.
    const store = await JetStreamEscalationStore.open(client.connection, { namespace: ns });
    const operator = new EscalationService(store, { clock: systemClock });
    // resume, not retry: a retry would deliver the revoking message again.
    await operator.resolve(
      open!.id,
      { type: 'resume', context: { count: 41 } },
      { by: 'ops', note: 'key rotated' },
    );
    const racer = await survivor.escalations
      .resolve(open!.id, { type: 'stop' }, { by: 'mallory' })
      .catch((e: unknown) => e);
    expect(racer).toMatchObject({ code: 'ERR_ESCALATION_CLOSED', details: { by: 'ops' } });

    await waitFor(
      'the child running again on the survivor',
      () => childOf(survivor)?.status === 'running' || undefined,
    );
    expect(await askWithRetry(client, ns, 'w', 'get', undefined, 'get-1', opts())).toBe(41);
    await waitFor('marked applied', async () => (await store.appliedAt(open!.id)) !== undefined);

    const journal = await JetStreamJournal.open(client.connection, {
      stream: `AGENTVISOR_JOURNAL_${kvToken(ns)}`,
      subjectPrefix: `av.journal.${kvToken(ns)}`,
    });
    const decisions = (await journal.read('w', 0)).filter((e) => e.event.kind === 'decision');
    expect(decisions.map((e) => e.event.data)).toMatchObject([
      {
        escalation: open!.id,
        decision: { type: 'resume', context: { count: 41 } },
        by: 'ops',
        note: 'key rotated',
      },
    ]);
    operator.dispose();
    await store.close();
  });
});

/**
 * Issue 11 item 1: a supervision tree from a config file is placed over the cluster. Each
 * top-level child of `root` is a unit (`desk/planner`, `desk/team`) placed by `placement`; the
 * node that owns a unit runs that part of the tree, and a subtree fails over, workers restored
 * with their state, when its node closes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport, systemClock } from 'agentvisor';
import { ClusterNode, loadClusterConfig, type ClusterNodeConfig } from 'agentvisor/node';
import { expectRuntimeError, startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents } from '../cluster/fixtures/agents.js';
import { askWithRetry } from '../cluster/fixtures/askWithRetry.js';
import { sleep, waitFor } from '../cluster/fixtures/waitFor.js';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';

const DESK = `
namespace: NS
heartbeatMs: 100
deadAfterMs: 600
minMembers: 3
root:
  id: desk
  strategy: one-for-one
  intensity: 3
  periodMs: 10000
  children:
    - { id: planner, agent: tally }
    - id: team
      type: supervisor
      strategy: one-for-all
      children:
        - { id: researcher, agent: tally }
        - { id: writer, agent: tally }
placement: { team: { role: worker } }
`;

let server: NatsServerHandle;
let client: NatsTransport;
const nodes: ClusterNode[] = [];
let dir: { dir: string; remove(): Promise<void> };
let nsCounter = 0;

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  dir = await makeTempDir('desk');
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
  const ns = `desk${++nsCounter}`;
  const file = join(dir.dir, `${ns}.yaml`);
  await writeFile(file, DESK.replace('NS', ns));
  return { ns, config: await loadClusterConfig(file, { node: 'placeholder' }) };
}

async function start(config: ClusterNodeConfig, node: string, roles: string[]) {
  const n = await ClusterNode.start({ ...config, node, roles, servers: server.url }, { agents });
  nodes.push(n);
  return n;
}

function ask(ns: string, to: string, type: string, payload: unknown, id: string) {
  return askWithRetry(client, ns, to, type, payload, id, { now: () => systemClock.now(), sleep });
}

describe('agentvisor node with a supervision tree and a placement section', () => {
  it('places each top-level subtree by its placement and fails a subtree over when its node closes', async () => {
    const { ns, config } = await loadDesk();
    const front = await start(config, 'front', []);
    const w1 = await start(config, 'w1', ['worker']);
    const w2 = await start(config, 'w2', ['worker']);
    const all = [front, w1, w2];
    const runs = (unit: string) => all.filter((n) => n.localUnits().includes(unit));

    // The team runs on a worker, as one unit: both its workers on the node that owns it.
    const teamNode = await waitFor('the team placed and running', () => {
      const [owner, ...others] = runs('desk/team');
      const up = ['researcher', 'writer'].every(
        (w) => owner?.system.describe(w)?.status === 'running',
      );
      return others.length === 0 && up ? owner : undefined;
    });
    expect(teamNode).not.toBe(front);
    await waitFor('the planner placed and running', () =>
      runs('desk/planner').length === 1 &&
      runs('desk/planner')[0]?.system.describe('planner')?.status === 'running'
        ? true
        : undefined,
    );
    expect(teamNode.placements.get('desk/team')?.record?.node).toBe(teamNode.id);
    const epoch = teamNode.placements.get('desk/team')?.record?.epoch ?? 0;
    for (const n of all.filter((n) => n !== teamNode)) {
      expect(n.system.describe('researcher')).toBeUndefined();
      expect(n.system.describe('writer')).toBeUndefined();
    }
    // The unit describes its part of the tree (the team supervisor and its workers).
    const team = teamNode.status().units.find((u) => u.name === 'desk/team');
    expect(team?.children?.map((c) => [c.id, c.type, c.status])).toEqual([
      ['team', 'supervisor', 'running'],
      ['researcher', 'worker', 'running'],
      ['writer', 'worker', 'running'],
    ]);

    for (const w of ['researcher', 'writer', 'planner'])
      expect(await ask(ns, w, 'add', { id: 'one' }, `${w}-one`)).toBe(1);

    // Its node goes: the team moves to the other worker (never to the front node), and its
    // workers carry on from their checkpoints.
    await teamNode.close();
    const survivor = teamNode === w1 ? w2 : w1;
    await waitFor('the team running on the other worker', () =>
      ['researcher', 'writer'].every((w) => survivor.system.describe(w)?.status === 'running')
        ? true
        : undefined,
    );
    expect(runs('desk/team')).toEqual([survivor]);
    expect(front.system.describe('researcher')).toBeUndefined();
    expect(survivor.status().units.find((u) => u.name === 'desk/team')?.epoch).toBeGreaterThan(
      epoch,
    );
    for (const w of ['researcher', 'writer']) {
      expect(await ask(ns, w, 'get', undefined, `${w}-get`)).toEqual({ count: 1, ids: ['one'] });
    }
  });

  it('refuses a placement for a child the tree does not have, and a tree worker with an unknown agent', async () => {
    const { config } = await loadDesk();
    const badPlacement = await expectRuntimeError(
      ClusterNode.start(
        { ...config, node: 'x', servers: server.url, placement: { nobody: { role: 'worker' } } },
        { agents },
      ),
      'ERR_INVALID_OPTIONS',
    );
    expect(badPlacement.details?.['issues']).toEqual([
      expect.objectContaining({ path: 'placement.nobody' }),
    ]);
    const unknown = await expectRuntimeError(
      ClusterNode.start({ ...config, node: 'x', servers: server.url }, { agents: {} }),
      'ERR_UNKNOWN_AGENT',
    );
    expect(unknown.details?.['path']).toBe('root.children[0].agent');
  });
});

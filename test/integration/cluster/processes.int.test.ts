import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DurableMailbox,
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  systemClock,
} from 'agentvisor';
import type { ClusterStatus } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { runCli, startNodeProcess, type NodeProcess } from './fixtures/nodeProcess.js';
import { readStatus, runningUnits } from './fixtures/readStatus.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

const agentsModule = fileURLToPath(new URL('./fixtures/agents.ts', import.meta.url));
const UNITS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
/** Shards of the mailbox test's namespace, and the actors spread over them. */
const SHARDS = 4;
const ACTORS = Array.from({ length: 8 }, (_, i) => `tally-${i}`);

let server: NatsServerHandle;
let client: NatsTransport;
let tmp: { dir: string; remove(): Promise<void> };
const processes: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  tmp = await makeTempDir('cluster-processes');
});

afterEach(async () => {
  for (const p of processes) {
    p.signal('SIGCONT');
    p.signal('SIGKILL');
  }
  await Promise.all(processes.splice(0).map((p) => p.exited));
});

afterAll(async () => {
  await client.close();
  await server.stop();
  await tmp.remove();
});

/** A cluster config with the default timing (heartbeat 250 ms, dead after 1 s). */
async function writeConfig(namespace: string): Promise<string> {
  const path = join(tmp.dir, `${namespace}.yaml`);
  const units = UNITS.map((u) => `  - { name: ${u}, agent: tally }`).join('\n');
  await writeFile(
    path,
    `namespace: ${namespace}\nminMembers: 3\nagents: ${agentsModule}\nunits:\n${units}\n`,
  );
  return path;
}

async function startCluster(namespace: string): Promise<NodeProcess[]> {
  const config = await writeConfig(namespace);
  const started = ['n1', 'n2', 'n3'].map((id) => startNodeProcess(config, id, server.url));
  processes.push(...started);
  try {
    await waitFor(
      'three nodes running every unit',
      async () => {
        const s = await readStatus(client.connection, namespace);
        return s.nodes.length === 3 && runningUnits(s).size === UNITS.length && s;
      },
      60_000,
    );
  } catch (err) {
    // What the nodes said is the first thing to read when a cluster does not form.
    for (const p of started) process.stderr.write(`--- ${p.id}\n${p.output()}\n`);
    throw err;
  }
  return started;
}

function ask(namespace: string, unit: string, type: string, payload: unknown, id: string) {
  return askWithRetry(client, namespace, unit, type, payload, id, {
    now: () => systemClock.now(),
    sleep,
    totalMs: 20_000,
  });
}

async function sendRound(namespace: string, round: number): Promise<void> {
  await Promise.all(
    UNITS.map((u) => ask(namespace, u, 'add', { id: `r${round}` }, `${u}-r${round}`)),
  );
}

describe('cluster of node processes', () => {
  it('a node killed with SIGKILL mid-work: every actor resumes elsewhere, nothing lost or applied twice', async () => {
    const ns = 'kill';
    const nodes = await startCluster(ns);
    const before = runningUnits(await readStatus(client.connection, ns));
    for (let r = 0; r < 5; r++) await sendRound(ns, r);
    const victim = nodes.find((p) => [...before.values()].includes(p.id))!;
    const moved = [...before].filter(([, n]) => n === victim.id).map(([u]) => u);
    // Kill while a round is in flight.
    const inFlight = (async () => {
      for (let r = 5; r < 20; r++) await sendRound(ns, r);
    })();
    await sleep(20);
    victim.signal('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    await inFlight;

    const after = await waitFor('moved units running on survivors', async () => {
      const s = await readStatus(client.connection, ns);
      return runningUnits(s).size === UNITS.length && s;
    });
    for (const unit of moved) {
      expect(runningUnits(after).get(unit)).not.toBe(victim.id);
      expect(after.placements.find((p) => p.unit === unit)?.record?.epoch).toBeGreaterThanOrEqual(
        2,
      );
    }
    const expected = Array.from({ length: 20 }, (_, r) => `r${r}`);
    for (const unit of UNITS) {
      const state = (await ask(ns, unit, 'get', undefined, `${unit}-get`)) as { ids: string[] };
      expect(state.ids).toEqual(expected);
    }
  }, 90_000);

  it('a zombie (SIGSTOP until its actors moved, then SIGCONT) writes nothing and stops its copies', async () => {
    const ns = 'zombie';
    const nodes = await startCluster(ns);
    const before = runningUnits(await readStatus(client.connection, ns));
    for (let r = 0; r < 3; r++) await sendRound(ns, r);
    const zombie = nodes.find((p) => [...before.values()].includes(p.id))!;
    const moved = [...before].filter(([, n]) => n === zombie.id).map(([u]) => u);

    zombie.signal('SIGSTOP');
    await waitFor('its units taken over', async () => {
      const s = await readStatus(client.connection, ns);
      return moved.every((u) => {
        const owner = runningUnits(s).get(u);
        return owner !== undefined && owner !== zombie.id;
      });
    });
    // Work the zombie's subscriptions also receive (the server still thinks it is there).
    for (let r = 3; r < 6; r++) await sendRound(ns, r);
    await sleep(300);

    const token = Buffer.from(ns).toString('base64url');
    const store = await JetStreamCheckpointStore.open(client.connection, {
      bucket: `agentvisor_checkpoints_${token}`,
    });
    const journal = await JetStreamJournal.open(client.connection, {
      stream: `AGENTVISOR_JOURNAL_${token}`,
      subjectPrefix: `av.journal.${token}`,
    });
    const positions = async () =>
      Promise.all(
        moved.map(async (u) => ({
          unit: u,
          revision: (await store.list(u)).at(-1)?.revision ?? 0,
          lastSeq: await journal.lastSeq(u),
        })),
      );
    const frozen = await positions();

    zombie.signal('SIGCONT');
    await waitFor('the zombie runs none of the moved units', async () => {
      const s = await readStatus(client.connection, ns);
      const self = s.nodes.find((n) => n.record.node === zombie.id)?.status;
      return self !== undefined && moved.every((u) => !self.units.some((x) => x.name === u));
    });
    // Not a sleep: two more heartbeats written by the zombie after it dropped the units prove
    // that its event loop has run on (any write it still had queued would have landed by then).
    const beat = async () =>
      (await readStatus(client.connection, ns)).nodes.find((n) => n.record.node === zombie.id)
        ?.record.at;
    let seen = await beat();
    for (let b = 0; b < 2; b++) {
      const after = seen;
      seen = await waitFor(`zombie heartbeat ${String(b + 1)} after SIGCONT`, async () => {
        const at = await beat();
        return at !== undefined && after !== undefined && at > after ? at : undefined;
      });
    }
    await waitFor('the zombie reported its local copies stopped', () =>
      zombie.output().includes('local copy stopped'),
    );
    expect(await positions()).toEqual(frozen);
    expect(zombie.output()).toContain('local copy stopped');
    const expected = Array.from({ length: 6 }, (_, r) => `r${r}`);
    for (const unit of UNITS) {
      const state = (await ask(ns, unit, 'get', undefined, `${unit}-get`)) as { ids: string[] };
      expect(state.ids).toEqual(expected);
    }
    await Promise.all([store.close(), journal.close()]);
  }, 90_000);

  it('SIGTERM drains a node: its units are released and resumed by the others, and it exits 0', async () => {
    const ns = 'term';
    const nodes = await startCluster(ns);
    for (let r = 0; r < 2; r++) await sendRound(ns, r);
    const leaving = nodes[0]!;
    leaving.signal('SIGTERM');
    expect(await leaving.exited).toBe(0);
    const s = await waitFor('two nodes run every unit', async () => {
      const st = await readStatus(client.connection, ns);
      return runningUnits(st).size === UNITS.length && st.nodes.length === 2 && st;
    });
    expect([...runningUnits(s).values()]).not.toContain(leaving.id);
    for (const unit of UNITS) {
      const state = (await ask(ns, unit, 'get', undefined, `${unit}-get`)) as { ids: string[] };
      expect(state.ids).toEqual(['r0', 'r1']);
    }
  }, 90_000);

  it('`agentvisor status` shows nodes and placements; bad usage and bad config exit non-zero', async () => {
    const ns = 'status';
    await startCluster(ns);
    const { code, out } = await runCli(['status', '--server', server.url, '--namespace', ns]);
    expect(code).toBe(0);
    expect(out).toContain('NODES');
    for (const id of ['n1', 'n2', 'n3']) expect(out).toContain(id);
    for (const unit of UNITS)
      expect(out).toMatch(new RegExp(`${unit}\\s+n\\d.*epoch 1\\s+running`));
    const json = await runCli(['status', '--server', server.url, '--namespace', ns, '--json']);
    expect((JSON.parse(json.out) as ClusterStatus).placements).toHaveLength(UNITS.length);

    expect((await runCli(['status', '--bogus'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const bad = join(tmp.dir, 'bad.yaml');
    await writeFile(bad, 'node: n1\nheartbeatMs: 0\n');
    const refused = await runCli(['node', '--config', bad]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('ERR_INVALID_OPTIONS');
    expect(refused.err).toContain('heartbeatMs');
  }, 90_000);
});

describe('cluster of node processes with durable mailboxes', () => {
  it('messages sent reliably while a node is killed with SIGKILL are each processed exactly once', async () => {
    const ns = 'mailbox';
    const config = join(tmp.dir, `${ns}.yaml`);
    // The node places one unit per shard itself; what a killed node held comes back after
    // ackWaitMs: short, so the test is quick.
    const actors = ACTORS.map((a) => `    - { name: ${a}, agent: tally }`).join('\n');
    await writeFile(
      config,
      `namespace: ${ns}\nminMembers: 3\nagents: ${agentsModule}\nmailbox:\n` +
        `  shards: ${SHARDS}\n  ackWaitMs: 2000\n  retryDelayMs: 100\n` +
        `  unknownActorDelayMs: 200\n  maxDeliver: 50\n  actors:\n${actors}\n`,
    );
    const started = ['n1', 'n2', 'n3'].map((id) => startNodeProcess(config, id, server.url));
    processes.push(...started);
    await waitFor(
      'every shard placed',
      async () => {
        const s = await readStatus(client.connection, ns);
        return s.nodes.length === 3 && runningUnits(s).size === SHARDS && s;
      },
      40_000,
    );
    const sender = await DurableMailbox.open(client.connection, { namespace: ns, shards: SHARDS });
    const before = runningUnits(await readStatus(client.connection, ns));
    const victim = started.find((p) => [...before.values()].includes(p.id))!;
    const ids = new Map<string, string[]>(ACTORS.map((a) => [a, []]));
    const sendRoundReliably = async (round: number) => {
      await Promise.all(
        ACTORS.map(async (actor) => {
          await sender.sendReliable(actor, 'add', { id: `m${round}` });
          ids.get(actor)!.push(`m${round}`);
        }),
      );
    };
    for (let r = 0; r < 5; r++) await sendRoundReliably(r);
    const sending = (async () => {
      for (let r = 5; r < 25; r++) await sendRoundReliably(r);
    })();
    await sleep(30);
    victim.signal('SIGKILL');
    await sending;
    await waitFor(
      'every message processed',
      async () => {
        const counts = await Promise.all(
          ACTORS.map(async (a) => {
            const s = (await ask(ns, a, 'get', undefined, `${a}-count-${systemClock.now()}`)) as {
              count: number;
            };
            return s.count;
          }),
        );
        return counts.every((c) => c >= 25);
      },
      40_000,
    );
    for (const actor of ACTORS) {
      const state = (await ask(ns, actor, 'get', undefined, `${actor}-final`)) as {
        count: number;
        ids: string[];
      };
      // Every stored message processed, each exactly once, in no particular order.
      expect(state.count).toBe(25);
      expect([...state.ids].sort()).toEqual([...ids.get(actor)!].sort());
    }
    await sender.stop();
  }, 90_000);
});

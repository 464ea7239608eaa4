/**
 * Issue 10 item 2, the open end: in the failing soak runs a worker answered ERR_UNHANDLED for
 * minutes and its node never reported it `stuck`. Here a durable agent is put mid-task on
 * purpose in a node process, as an operator runs it (`agentvisor node`, real nats-server), and
 * the node must say so — a `stuck` warning in its log and `stuck` in the cluster status — both
 * where it got stuck and on the node that restores it after the first is killed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport, isRuntimeError, systemClock } from 'agentvisor';
import type { ClusterStatus } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { startNodeProcess, type NodeProcess } from './fixtures/nodeProcess.js';
import { readStatus } from './fixtures/readStatus.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

const agentsModule = fileURLToPath(new URL('./fixtures/stuckAgents.ts', import.meta.url));

let server: NatsServerHandle;
let client: NatsTransport;
let tmp: { dir: string; remove(): Promise<void> };
const processes: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  tmp = await makeTempDir('cluster-stuck');
});

afterEach(async () => {
  for (const p of processes) p.signal('SIGKILL');
  await Promise.all(processes.splice(0).map((p) => p.exited));
});

afterAll(async () => {
  await client.close();
  await server.stop();
  await tmp.remove();
});

function status(namespace: string): Promise<ClusterStatus> {
  return readStatus(client.connection, namespace);
}

/** The node hosting `unit` and the status it reports for it, when one does. */
function hostOf(s: ClusterStatus, unit: string): { node: string; status: string } | undefined {
  for (const n of s.nodes) {
    const u = n.status?.units.find((x) => x.name === unit);
    if (u !== undefined) return { node: n.record.node, status: u.status };
  }
  return undefined;
}

function ask(namespace: string, type: string, payload: unknown, id: string): Promise<unknown> {
  return askWithRetry(client, namespace, 'h', type, payload, id, {
    now: () => systemClock.now(),
    sleep,
    totalMs: 20_000,
  });
}

/** Sends tasks (each refused ERR_UNHANDLED) until `node` logs the unit stuck, owing `unhandled`. */
async function untilReportedStuck(namespace: string, node: NodeProcess): Promise<void> {
  let n = 0;
  await waitFor(
    `${node.id} reporting h stuck`,
    async () => {
      n += 1;
      const refused = await ask(namespace, 'task.run', { n }, `${node.id}-t${String(n)}`).catch(
        (err: unknown) => err,
      );
      expect(isRuntimeError(refused, 'ERR_UNHANDLED')).toBe(true);
      const warning = node
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"stuck: work owed'));
      return warning !== undefined && (JSON.parse(warning) as { owed: string[] });
    },
    20_000,
  ).then((warning) => {
    expect(warning.owed).toContain('unhandled');
  });
  await waitFor(
    `status showing h stuck on ${node.id}`,
    async () => hostOf(await status(namespace), 'h')?.status === 'stuck',
    20_000,
  );
}

describe('stuck in a node process', () => {
  it('a durable agent held mid-task is reported stuck, and again by the node that restores it', async () => {
    const ns = 'stuck-process';
    const config = join(tmp.dir, `${ns}.yaml`);
    await writeFile(
      config,
      `namespace: ${ns}\nminMembers: 2\nagents: ${agentsModule}\nunits:\n  - { name: h, agent: holder }\n`,
    );
    const nodes = ['n1', 'n2'].map((id) => startNodeProcess(config, id, server.url));
    processes.push(...nodes);
    const first = await waitFor(
      'h running',
      async () => {
        const host = hostOf(await status(ns), 'h');
        return host?.status === 'running' && host.node;
      },
      60_000,
    );
    expect(await ask(ns, 'task.run', { n: 0 }, 'warm')).toBe(0);
    expect(await ask(ns, 'hold', undefined, 'hold')).toBe('held');
    const owner = nodes.find((p) => p.id === first)!;
    const survivor = nodes.find((p) => p.id !== first)!;
    await untilReportedStuck(ns, owner);

    owner.signal('SIGKILL');
    await owner.exited;
    await waitFor(
      `h restored on ${survivor.id}`,
      async () => hostOf(await status(ns), 'h')?.node === survivor.id,
      30_000,
    );
    await untilReportedStuck(ns, survivor);
  }, 120_000);
});

import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport, systemClock } from 'agentvisor';
import { parseExposition, startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { startNodeProcess, type NodeProcess } from './fixtures/nodeProcess.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

const agentsModule = fileURLToPath(new URL('./fixtures/agents.ts', import.meta.url));

let server: NatsServerHandle;
let client: NatsTransport;
let tmp: { dir: string; remove(): Promise<void> };
const processes: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
  tmp = await makeTempDir('cluster-metrics');
});

afterAll(async () => {
  for (const p of processes) p.signal('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await client.close();
  await server.stop();
  await tmp.remove();
});

async function writeConfig(namespace: string): Promise<string> {
  const path = join(tmp.dir, `${namespace}.yaml`);
  await writeFile(
    path,
    `namespace: ${namespace}\nagents: ${agentsModule}\nunits:\n  - { name: m1, agent: tally }\n`,
  );
  return path;
}

describe('agentvisor node --metrics', () => {
  it('serves GET /metrics that a strict exposition parser accepts', async () => {
    const node = startNodeProcess(await writeConfig('metrics'), 'n1', server.url, {}, [
      '--metrics',
      '127.0.0.1:0',
    ]);
    processes.push(node);
    const url = await waitFor(
      'the metrics URL in the log',
      () => /"metricsUrl":"([^"]+)"/.exec(node.output())?.[1],
      60_000,
    ).catch((err: unknown) => {
      process.stderr.write(node.output());
      throw err;
    });
    for (let i = 0; i < 5; i++) {
      await askWithRetry(client, 'metrics', 'm1', 'add', { id: `x${i}` }, `m1-x${i}`, {
        now: () => systemClock.now(),
        sleep,
        totalMs: 30_000,
      });
    }
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await response.text());
    const added = families
      .get('agentvisor_messages_total')
      ?.samples.find((s) => s.labels['actor_kind'] === 'tally' && s.labels['type'] === 'add');
    expect(added?.labels['outcome']).toBe('ok');
    expect(added?.value).toBeGreaterThanOrEqual(5);
    expect(families.get('agentvisor_message_processing_seconds')?.type).toBe('histogram');
    expect(families.has('agentvisor_process_cpu_seconds_total')).toBe(true);
  });

  it('exits with ERR_METRICS_PORT_IN_USE when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const node = startNodeProcess(await writeConfig('taken'), 'n2', server.url, {}, [
        '--metrics',
        `127.0.0.1:${port}`,
      ]);
      processes.push(node);
      expect(await node.exited).toBe(1);
      expect(node.output()).toContain(`[ERR_METRICS_PORT_IN_USE]`);
      expect(node.output()).toContain(`127.0.0.1:${port}`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

/**
 * Failover time after kill -9 (issue #5's goal: < 2 s with the default settings): two node
 * processes started with the built CLI (`agentvisor node`), one unit preferring node `a`; `a` is
 * killed with SIGKILL and the clock runs until the unit answers from `b` (restored from its
 * JetStream checkpoint + journal). Default timing: heartbeat 250 ms, dead after 1000 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

type Lib = typeof import('agentvisor/internal');

const root = fileURLToPath(new URL('../', import.meta.url));
const agentsModule = fileURLToPath(new URL('./clusterAgents.ts', import.meta.url));

export interface FailoverResult {
  readonly runs: readonly number[];
}

function startNode(config: string, id: string, server: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'dist/ops/cli.js',
      'node',
      '--config',
      config,
      '--node',
      id,
      '--server',
      server,
    ],
    { cwd: root, stdio: 'ignore', env: { ...process.env, AGENTVISOR_LOG_LEVEL: 'warn' } },
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One answered request to `unit`, or undefined when it failed (no responder, timeout). */
async function tryAsk(
  lib: Lib,
  transport: InstanceType<Lib['NatsTransport']>,
  ns: string,
  id: string,
) {
  try {
    const reply = await transport.request(
      lib.createSubjects(ns).actor('u'),
      { v: 1, id, type: 'get', to: 'u', payload: undefined },
      { deadline: Date.now() + 200 },
    );
    return reply.type === lib.ReplyType.Ok ? reply.payload : undefined;
  } catch {
    return undefined;
  }
}

/** Median of `runs` kill -9 → answered-again intervals, in ms. */
export async function measureFailover(
  lib: Lib,
  serverUrl: string,
  runs: number,
): Promise<FailoverResult> {
  const { readClusterStatus } = (await import(
    new URL('../dist/node/index.js', import.meta.url).href
  )) as typeof import('agentvisor/node');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentvisor-bench-cluster-'));
  const transport = await lib.NatsTransport.connect({ servers: serverUrl });
  const results: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const ns = `bench-failover-${run}-${Date.now()}`;
      const config = path.join(dir, `${ns}.yaml`);
      writeFileSync(
        config,
        `namespace: ${ns}\nminMembers: 2\nagents: ${agentsModule}\nunits:\n  - { name: u, agent: counter, placement: { node: a } }\n`,
      );
      const a = startNode(config, 'a', serverUrl);
      const b = startNode(config, 'b', serverUrl);
      try {
        // Up and placed on `a`, with some state to restore.
        let seq = 0;
        while ((await tryAsk(lib, transport, ns, `w${run}-${seq++}`)) === undefined)
          await sleep(20);
        const status = await readClusterStatus(transport.connection, { namespace: ns });
        if (status.placements[0]?.record?.node !== 'a') throw new Error('unit not on a');
        const killedAt = performance.now();
        a.kill('SIGKILL');
        while ((await tryAsk(lib, transport, ns, `f${run}-${seq++}`)) === undefined)
          await sleep(10);
        results.push(performance.now() - killedAt);
      } finally {
        a.kill('SIGKILL');
        b.kill('SIGKILL');
        await Promise.all(
          [a, b].map(
            (c) =>
              new Promise<void>((r) => {
                if (c.exitCode !== null || c.signalCode !== null) r();
                else
                  c.once('exit', () => {
                    r();
                  });
              }),
          ),
        );
      }
    }
  } finally {
    await transport.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { runs: results };
}

export function failoverTable(result: FailoverResult): string {
  const sorted = [...result.runs].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return [
    '| figure | median | min | max | runs | goal |',
    '|---|---|---|---|---|---|',
    `| kill -9 of a node → its unit answers from another node (heartbeat 250 ms, dead after 1000 ms) | ${(median / 1000).toFixed(2)} s | ${((sorted[0] ?? NaN) / 1000).toFixed(2)} s | ${((sorted.at(-1) ?? NaN) / 1000).toFixed(2)} s | ${sorted.length} | < 2 s |`,
  ].join('\n');
}

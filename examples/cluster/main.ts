/**
 * The cluster example (`npm run example:cluster`): a local nats-server and three node processes
 * started with the CLI (`agentvisor node --config cluster.yaml`) run a team of six durable agents.
 * Tasks flow to them; one node is killed with SIGKILL mid-work; its agents resume on the other two
 * from their JetStream checkpoints and journals, and the final reports show every task handled
 * exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClusterClient, isRuntimeError, systemClock } from 'agentvisor';
import { readClusterStatus, type ClusterStatus } from 'agentvisor/node';
import { startNatsServer } from 'agentvisor/testing';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = fileURLToPath(new URL('./cluster.yaml', import.meta.url));
const NAMESPACE = 'team-cluster';
const TEAM = ['researcher-1', 'researcher-2', 'writer-1', 'writer-2', 'critic-1', 'critic-2'];
const ROUNDS = 12;
const KILL_AFTER_ROUND = 4;

const t0 = systemClock.monotonic();
const say = (what: string) => {
  const s = ((systemClock.monotonic() - t0) / 1000).toFixed(2).padStart(6);
  process.stdout.write(`[${s}s] ${what}\n`);
};
const sleep = (ms: number) => new Promise<void>((r) => systemClock.setTimeout(r, ms));

/** Each wait gives up after this long instead of waiting for ever on a sick machine. */
const GIVE_UP_AFTER_MS = 60_000;
const checkTime = (what: string, since: number) => {
  if (systemClock.monotonic() - since > GIVE_UP_AFTER_MS) {
    throw new Error(`gave up after ${GIVE_UP_AFTER_MS / 1000} s waiting for ${what}`);
  }
};

/** The last lines each node process wrote (warnings and errors): shown when the run fails. */
const nodeLogs = new Map<string, string[]>();
const keepLog = (id: string) => (chunk: Buffer) => {
  const lines = nodeLogs.get(id) ?? [];
  lines.push(
    ...chunk
      .toString()
      .split('\n')
      .filter((l) => l !== ''),
  );
  nodeLogs.set(id, lines.slice(-20));
};

await using server = await startNatsServer();
say(`nats-server on ${server.url} (JetStream in ${server.storeDir})`);

const nodes = new Map<string, ChildProcess>();
for (const id of ['node-1', 'node-2', 'node-3']) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'ops/cli.ts',
      'node',
      '--config',
      config,
      '--node',
      id,
      '--server',
      server.url,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AGENTVISOR_LOG_LEVEL: 'warn' },
    },
  );
  child.stdout.on('data', keepLog(id));
  child.stderr.on('data', keepLog(id));
  nodes.set(id, child);
  say(
    `started ${id} (pid ${child.pid ?? '?'}): agentvisor node --config cluster.yaml --node ${id}`,
  );
}

// A caller outside the nodes: asks by actor name, retried with the same message id across failover.
const client = await ClusterClient.connect({ servers: server.url, namespace: NAMESPACE });

/** Where each agent runs, as the nodes report it. */
async function placement(): Promise<Map<string, string>> {
  const s: ClusterStatus = await readClusterStatus(client.transport.connection, {
    namespace: NAMESPACE,
    // A busy node process can take a while to answer; a short wait would miss its units.
    timeoutMs: 2_000,
  });
  return new Map(
    s.nodes.flatMap((n) =>
      (n.status?.units ?? [])
        .filter((u) => u.status === 'running')
        .map((u) => [u.name, n.record.node] as const),
    ),
  );
}

async function waitForPlacement(check: (p: Map<string, string>) => boolean) {
  const since = systemClock.monotonic();
  let told = since;
  for (;;) {
    const p = await placement();
    if (check(p)) return p;
    checkTime('every agent to be placed', since);
    if (systemClock.monotonic() - told > 10_000) {
      told = systemClock.monotonic();
      say(`still waiting: ${p.size}/${TEAM.length} agents placed`);
    }
    await sleep(100);
  }
}

/**
 * Sends a task and waits for the answer, retrying with the same message id while the agent is
 * between nodes (no responder, or no answer in time). The agent remembers processed ids, so a
 * retry of a task it already did is answered ERR_DUPLICATE_MESSAGE instead of being done twice.
 */
async function send(to: string, type: string, payload: unknown, id: string): Promise<unknown> {
  try {
    return await client.ask(to, type, payload, {
      id,
      timeoutMs: GIVE_UP_AFTER_MS,
      retry: {
        attempts: 1_000,
        attemptTimeoutMs: 1_000,
        backoff: { initialDelayMs: 50, maxDelayMs: 200 },
      },
    });
  } catch (err) {
    if (isRuntimeError(err, 'ERR_DUPLICATE_MESSAGE')) return 'done before';
    throw err;
  }
}

try {
  const placed = await waitForPlacement((p) => p.size === TEAM.length);
  say('the team is placed:');
  for (const agent of TEAM) say(`  ${agent.padEnd(13)} on ${placed.get(agent) ?? '?'}`);

  // The node running writer-1 (pinned to node-1) and whatever else landed there.
  const victim = 'node-1';
  const moving = TEAM.filter((a) => placed.get(a) === victim);
  const resumedAt = new Map<string, number>();
  let killedAt = 0;

  for (let round = 0; round < ROUNDS; round++) {
    if (round === KILL_AFTER_ROUND) {
      killedAt = systemClock.monotonic();
      nodes.get(victim)?.kill('SIGKILL');
      say(`SIGKILL ${victim} mid-work: its agents [${moving.join(', ')}] lose their process`);
    }
    await Promise.all(
      TEAM.map(async (agent) => {
        await send(agent, 'task', { id: `t${round}`, text: `task ${round}` }, `${agent}-t${round}`);
        if (killedAt > 0 && moving.includes(agent) && !resumedAt.has(agent)) {
          resumedAt.set(agent, systemClock.monotonic() - killedAt);
        }
      }),
    );
    say(`round ${round + 1}/${ROUNDS}: every agent handled task t${round}`);
  }

  const after = await waitForPlacement((p) => p.size === TEAM.length);
  say('after the kill:');
  for (const agent of moving) {
    say(
      `  ${agent.padEnd(13)} resumed on ${after.get(agent) ?? '?'} ` +
        `(${((resumedAt.get(agent) ?? 0) / 1000).toFixed(2)} s after the kill, from its checkpoint + journal)`,
    );
  }

  let lost = 0;
  let twice = 0;
  for (const agent of TEAM) {
    const done = (await send(agent, 'report', undefined, `${agent}-report`)) as string[];
    const expected = Array.from({ length: ROUNDS }, (_, i) => `t${i}`);
    lost += expected.filter((t) => !done.includes(t)).length;
    twice += done.length - new Set(done).size;
    say(`  ${agent.padEnd(13)} handled ${done.length} tasks`);
  }
  say(`summary: ${TEAM.length * ROUNDS} tasks, lost ${lost}, handled twice ${twice}`);
  if (lost > 0 || twice > 0) process.exitCode = 1;
} catch (err) {
  process.exitCode = 1;
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  for (const [id, lines] of nodeLogs)
    for (const line of lines) say(`  ${id}: ${line.slice(0, 400)}`);
} finally {
  for (const [id, child] of nodes) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // a graceful drain
      const exited = new Promise((r) => child.once('exit', r));
      const drain = { forced: false };
      const late = systemClock.setTimeout(() => {
        drain.forced = true;
        child.kill('SIGKILL');
      }, 15_000);
      await exited;
      systemClock.clearTimeout(late);
      say(`${id} ${drain.forced ? 'killed after a slow drain' : 'drained and exited'}`);
    }
  }
  await client.close();
}

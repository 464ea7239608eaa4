/**
 * `npm run bench`: throughput of agentvisor's local layer, each figure beside the raw layer
 * underneath measured in the same run (raw XState `actor.send`), reported as a ratio. Only ratios
 * from one run mean anything: the machine has slow phases. Results go to bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createActor, emit, setup } from 'xstate';
import { failoverTable, measureFailover } from './cluster.js';
import { measureNatsTransport, natsBenchTable } from './nats.js';
import { measureResiliencePeers, resiliencePeersTable } from './peers.js';
import { measurePersistence } from './persistence.js';
import { mailboxBenchTable, measureMailbox } from './mailbox.js';
import { counterMachine } from './shared.js';
import { telemetrySection } from './telemetry.js';
import { measureVerify } from './verify.js';

// The library as users run it: compiled by `npm run build` (the script builds first). Running the
// TypeScript sources through tsx would add its keep-names helpers to our side only.
const { createActorSystem, respond } = (await import(
  new URL('../dist/runtime/internal.js', import.meta.url).href
)) as typeof import('agentvisor/internal');
const lib = (await import(
  new URL('../dist/runtime/internal.js', import.meta.url).href
)) as typeof import('agentvisor/internal');
const { startNatsServer } = (await import(
  new URL('../dist/runtime/testing/index.js', import.meta.url).href
)) as typeof import('agentvisor/testing');
const { createSupervisionTree } = (await import(
  new URL('../dist/supervisors/index.js', import.meta.url).href
)) as typeof import('agentvisor/supervisors');
const actorsLib = (await import(
  new URL('../dist/actors/index.js', import.meta.url).href
)) as typeof import('agentvisor/actors');

const N = Number(process.env['BENCH_N'] ?? 200_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const ASK_CONCURRENCY = 100;

/** The same one-event counter for every figure; `get` answers the count. */
const counter = counterMachine(respond);

/** CPU time of this process in ms: less disturbed than wall time by other processes on the machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function rawSend(n: number): number {
  const actor = createActor(counter);
  actor.subscribe({ error: () => undefined });
  actor.start();
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) actor.send({ type: 'inc' });
  const ms = cpuMs() - t0;
  if (actor.getSnapshot().context.count !== n) throw new Error('raw send lost events');
  actor.stop();
  return (n / ms) * 1000;
}

async function localTell(n: number): Promise<number> {
  const system = createActorSystem({ mailbox: { capacity: n + 1 } });
  system.spawn('c', counter);
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) system.tell('c', 'inc');
  // The ask queues behind every tell: its reply is the event that says all were processed.
  const count = await system.ask('c', 'get');
  const ms = cpuMs() - t0;
  if (count !== n) throw new Error(`tell lost messages: ${String(count)} of ${n}`);
  await system.shutdown();
  return (n / ms) * 1000;
}

async function localAsk(n: number): Promise<number> {
  const system = createActorSystem({ mailbox: { capacity: ASK_CONCURRENCY * 2 } });
  system.spawn('c', counter);
  const batch = new Array<Promise<unknown>>(ASK_CONCURRENCY);
  const t0 = cpuMs();
  for (let done = 0; done < n; done += ASK_CONCURRENCY) {
    for (let j = 0; j < ASK_CONCURRENCY; j++) batch[j] = system.ask('c', 'get');
    await Promise.all(batch);
  }
  const ms = cpuMs() - t0;
  await system.shutdown();
  return (n / ms) * 1000;
}

/**
 * The floor of any ask on XState, for context: a hand-made request/reply with nothing else (a
 * promise and a map entry per request, an `emit` reply, one microtask per request).
 */
const echo = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'get'; id: string } },
}).createMachine({
  context: { count: 0 },
  on: {
    get: {
      actions: emit(({ context, event }) => ({ type: 'r', id: event.id, payload: context.count })),
    },
  },
});

async function handMadeAsk(n: number): Promise<number> {
  const actor = createActor(echo);
  actor.subscribe({ error: () => undefined });
  const pending = new Map<string, (v: unknown) => void>();
  actor.on('r', (e: { type: 'r'; id?: string; payload?: unknown }) => {
    if (e.id === undefined) return;
    const resolve = pending.get(e.id);
    pending.delete(e.id);
    resolve?.(e.payload);
  });
  actor.start();
  let id = 0;
  const batch = new Array<Promise<unknown>>(ASK_CONCURRENCY);
  const t0 = cpuMs();
  for (let done = 0; done < n; done += ASK_CONCURRENCY) {
    for (let j = 0; j < ASK_CONCURRENCY; j++) {
      const key = `k${id++}`;
      batch[j] = new Promise((resolve) => {
        pending.set(key, resolve);
        queueMicrotask(() => {
          actor.send({ type: 'get', id: key });
        });
      });
    }
    await Promise.all(batch);
  }
  const ms = cpuMs() - t0;
  actor.stop();
  return (n / ms) * 1000;
}

/** A worker that crashes on `crash` and answers `get`. */
const crashy = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'crash' } | { type: 'get' } },
  actions: {
    boom: () => {
      throw new Error('crash');
    },
  },
}).createMachine({
  context: { count: 0 },
  on: { crash: { actions: 'boom' }, get: { actions: respond(({ context }) => context.count) } },
});

/**
 * Wall time from a supervised child's crash to its restarted incarnation answering a message
 * (no backoff: OTP's immediate restart), beside creating and starting a fresh XState actor.
 */
async function crashToProcessing(
  rounds: number,
): Promise<{ restart: number[]; rawStart: number[] }> {
  const system = createActorSystem();
  const tree = await createSupervisionTree(system, {
    root: {
      id: 'root',
      intensity: rounds * 2,
      periodMs: 1_000_000,
      children: [{ id: 'w', agent: crashy }],
    },
  });
  const restart: number[] = [];
  const rawStart: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    system.tell('w', 'crash');
    await system.ask('w', 'get'); // held during the restart, answered by the new incarnation
    restart.push(performance.now() - t0);
    const t1 = performance.now();
    const a = createActor(crashy);
    a.subscribe({ error: () => undefined });
    a.start();
    a.send({ type: 'get' });
    rawStart.push(performance.now() - t1);
    a.stop();
  }
  await tree.stop();
  await system.shutdown();
  return { restart, rawStart };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;

/** The sections `BENCH_ONLY` can name, in the order a run measures them. */
const SECTIONS = [
  'local',
  'supervision',
  'persistence',
  'nats',
  'cluster',
  'mailbox',
  'telemetry',
  'verify',
  'peers',
] as const;
type Section = (typeof SECTIONS)[number];

/**
 * `BENCH_ONLY=local,nats`: run only those sections (unset or empty: all). A partial run prints
 * its tables and leaves bench/RESULTS.md alone, which stays one full run's figures.
 */
function selectedSections(value: string | undefined): ReadonlySet<Section> {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) return new Set(SECTIONS);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ONLY: unknown section ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${SECTIONS.join(', ')})`,
    );
  }
  return new Set(names as Section[]);
}

async function localTable(): Promise<string> {
  // Warm up the JIT on every path before measuring.
  rawSend(20_000);
  await localTell(20_000);
  await localAsk(20_000);
  await handMadeAsk(20_000);

  const raw: number[] = [];
  const tell: number[] = [];
  const ask: number[] = [];
  const tellRatios: number[] = [];
  const askRatios: number[] = [];
  const floor: number[] = [];
  const floorRatios: number[] = [];
  // Interleave the measurements so a slow phase of the machine hits all of them alike.
  for (let r = 0; r < ROUNDS; r++) {
    const rr = rawSend(N);
    const tt = await localTell(N);
    const aa = await localAsk(N / 4);
    const ff = await handMadeAsk(N / 4);
    floor.push(ff);
    floorRatios.push(ff / rr);
    raw.push(rr);
    tell.push(tt);
    ask.push(aa);
    tellRatios.push(tt / rr);
    askRatios.push(aa / rr);
  }

  const rows = [
    ['raw XState actor.send (counter)', fmt(median(raw)), '1.00x', ''],
    [
      'local tell (system.tell → mailbox → send)',
      fmt(median(tell)),
      `${median(tellRatios).toFixed(2)}x`,
      '>= 0.8x',
    ],
    [
      `local ask (${ASK_CONCURRENCY} in flight)`,
      fmt(median(ask)),
      `${median(askRatios).toFixed(2)}x`,
      '>= 0.5x',
    ],
    [
      `for context: hand-made minimal ask on raw XState (${ASK_CONCURRENCY} in flight)`,
      fmt(median(floor)),
      `${median(floorRatios).toFixed(2)}x`,
      '',
    ],
  ];
  return [
    '| figure | median throughput (per CPU second) | ratio to raw send (median of per-round ratios) | goal |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

async function supervisionTable(): Promise<string> {
  await crashToProcessing(50);
  const crash = await crashToProcessing(500);
  return [
    '| figure | median | p99 |',
    '|---|---|---|',
    `| supervised crash → restarted incarnation answers a message (no backoff) | ${median(crash.restart).toFixed(3)} ms | ${percentile(crash.restart, 0.99).toFixed(3)} ms |`,
    `| raw: create + start a fresh XState actor and send it one event | ${median(crash.rawStart).toFixed(3)} ms | ${percentile(crash.rawStart, 0.99).toFixed(3)} ms |`,
  ].join('\n');
}

async function persistenceTable(url: string): Promise<string> {
  const rows = await measurePersistence(lib, url, Number(process.env['BENCH_STEPS'] ?? 300));
  return [
    '| store | figure | ours | raw layer (same run) | ratio |',
    '|---|---|---|---|---|',
    ...rows.map((r) =>
      r.rawMsPerStep === undefined
        ? `| ${r.store} | ${r.figure} | ${r.msPerStep.toFixed(1)} ms | | |`
        : `| ${r.store} | ${r.figure} | ${r.msPerStep.toFixed(3)} ms/step | ${r.rawMsPerStep.toFixed(3)} ms/step | ${(r.msPerStep / r.rawMsPerStep).toFixed(2)}x |`,
    ),
  ].join('\n');
}

/** checkAgent on a 200-state machine beside the raw transition calls (bench/verify.ts). */
function verifyTable(): string {
  const m = measureVerify(actorsLib, 200);
  return `| figure | states | transitions | ms | states/s | ratio to raw XState transition calls |\n|---|---|---|---|---|---|\n| checkAgent, 200-state ring | ${String(m.states)} | ${String(m.transitions)} | ${m.ms.toFixed(0)} | ${m.statesPerSecond.toFixed(0)} | ${m.ratioToRaw.toFixed(2)}x |`;
}

/** The sections that need a nats-server, each measured against the same one. */
const SERVER_SECTIONS: Record<
  Exclude<Section, 'local' | 'supervision' | 'telemetry' | 'verify' | 'peers'>,
  (url: string) => Promise<string>
> = {
  persistence: persistenceTable,
  nats: async (url) =>
    natsBenchTable(
      await measureNatsTransport(lib, url, {
        rounds: 3,
        messages: 30_000,
        requests: 10_000,
        sequential: 1_000,
      }),
    ),
  cluster: async (url) =>
    failoverTable(await measureFailover(lib, url, Number(process.env['BENCH_FAILOVERS'] ?? 5))),
  mailbox: async (url) =>
    mailboxBenchTable(
      await measureMailbox(lib, url, { messages: Number(process.env['BENCH_MAILBOX_N'] ?? 3_000) }),
    ),
};

async function main(): Promise<void> {
  const only = selectedSections(process.env['BENCH_ONLY']);
  const tables = new Map<Section, string>();
  if (only.has('local')) tables.set('local', await localTable());
  if (only.has('supervision')) {
    tables.set('supervision', await supervisionTable());
    console.log(tables.get('supervision'));
  }
  if (only.has('telemetry')) tables.set('telemetry', await telemetrySection(lib));
  if (only.has('verify')) tables.set('verify', verifyTable());
  if (only.has('peers')) {
    tables.set(
      'peers',
      resiliencePeersTable(
        await measureResiliencePeers(lib, {
          calls: Number(process.env['BENCH_PEERS_CALLS'] ?? 100_000),
        }),
      ),
    );
  }
  const served = (['persistence', 'nats', 'cluster', 'mailbox'] as const).filter((s) =>
    only.has(s),
  );
  if (served.length > 0) {
    const server = await startNatsServer();
    try {
      for (const section of served) tables.set(section, await SERVER_SECTIONS[section](server.url));
    } finally {
      await server.stop();
    }
  }
  for (const section of served) console.log(tables.get(section));
  for (const section of ['telemetry', 'verify', 'peers'] as const) {
    if (only.has(section)) console.log(tables.get(section));
  }

  const header = `Run ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? 'unknown cpu'} (${os.cpus().length} cores), Node ${process.version}; ${ROUNDS} rounds of ${N.toLocaleString('en-US')} messages (asks: ${(N / 4).toLocaleString('en-US')}).`;
  console.log(header);
  if (only.has('local')) console.log(tables.get('local'));
  if (only.size < SECTIONS.length) {
    console.log(`BENCH_ONLY=${[...only].join(',')}: bench/RESULTS.md left as it was.`);
    return;
  }
  const t = (section: Section): string => tables.get(section) ?? '';
  writeFileSync(
    new URL('./RESULTS.md', import.meta.url),
    `# Benchmark results\n\nWritten by \`npm run bench\`. Ratios are what to compare between runs; absolute figures move with the machine.\n\n${header}\n\n## Local actor system\n\n${t('local')}\n\n## Supervision (wall time, 500 crashes)\n\n${t('supervision')}\n\n## NATS transport (wall time, same server, same run; sender and receiver in two processes)\n\n${t('nats')}\n\n${NATS_READING}\n\n## Durability (wall time; raw = journal append + checkpoint write done by hand on the same store; goal <= 1.5x)\n\n${t('persistence')}\n\n## Durable mailbox (wall time, same server, same run; 100 sends in flight, one actor)\n\n${t('mailbox')}\n\n## Cluster failover (wall time, node processes started with the built CLI)\n\n${t('cluster')}\n\n## Telemetry (metrics on beside off; goal >= 0.9x)\n\n${t('telemetry')}\n\n## Verify before deploy (checkAgent beside as many raw XState transition calls)\n\n${t('verify')}\n\n## Peers: resilience wrap per call (agentvisor beside cockatiel, same fault-free function)\n\n${t('peers')}\n`,
  );
}

/** How to read the NATS table (written under it). */
const NATS_READING = [
  'The receiving side of every figure (actor system, raw subscriber, hand-made chains, responders)',
  'runs in a peer process (bench/natsPeer.ts); this process sends. The hand-made mux inbox is',
  'answered with pre-encoded bytes: against it `system.ask` also pays for msgpack both ways and an',
  'XState step per request. The hand-made ask chain does that same work by hand with no runtime',
  '(pack the request, unpack, XState send, pack the emitted reply, unpack it), so it is the',
  'like-for-like baseline of what the runtime itself adds.',
].join('\n');

await main();

/**
 * What NatsTransport costs over the NATS calls it makes, on one nats-server in one run (wall time;
 * two processes, as two nodes: this one sends and asks, a peer process (bench/natsPeer.ts) hosts
 * every receiving side on its own connections; the server hop is loopback):
 * - one-way: raw `nc.publish` of pre-encoded envelopes to a subscriber in the peer, against
 *   `system.tell` to an actor hosted by the peer (counted once processed);
 *   for context, the same chain written by hand (msgpackr pack → publish → subscribe → unpack →
 *   route by name → XState send);
 * - request/reply with a window of requests in flight: `nc.request`, against `system.ask`; for
 *   context, a hand-made mux inbox (one wildcard subscription, a map of resolvers) answered by a
 *   responder that sends pre-encoded bytes, and the same inbox with the work an ask implies done
 *   by hand (pack the request → unpack → XState send → pack the emitted reply → unpack it);
 * - one request at a time: p50 latency of the same three.
 *
 * `bench/run.ts` calls {@link measureNatsTransport} with the compiled library. Alone:
 * `npm run build && tsx bench/nats.ts` starts its own nats-server (BENCH_NATS_LIB overrides the
 * library path).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { packr } from './shared.js';

type Lib = typeof import('agentvisor/internal');

/** Options of {@link measureNatsTransport}. */
export interface NatsBenchOptions {
  /** Messages per one-way figure and round. @default 50_000 */
  messages?: number;
  /** Requests per request/reply figure and round. @default 20_000 */
  requests?: number;
  /** Requests kept in flight. @default 100 */
  concurrency?: number;
  /** Requests sent one at a time for the latency figures, per round. @default 2_000 */
  sequential?: number;
  /** Rounds, interleaved; each figure is the median over them. @default 5 */
  rounds?: number;
  /** The compiled library the receiving process loads. @default ../dist/runtime/internal.js */
  libUrl?: string;
}

/** Starts the receiving process (bench/natsPeer.ts) and resolves once it is ready. */
async function startPeer(
  url: string,
  libUrl: string,
  tag: string,
): Promise<{ exited: Promise<void> }> {
  const script = fileURLToPath(new URL('./natsPeer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, url, libUrl, tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`bench peer exited (${String(code)})`));
    });
  });
  return { exited };
}

/** One figure, with its ratio to each layer it is compared with (medians of per-round ratios). */
export interface NatsBenchRow {
  readonly figure: string;
  /** Median over the rounds. */
  readonly value: number;
  readonly unit: 'msg/s' | 'µs p50';
  readonly comparisons: readonly { readonly baseline: string; readonly ratio: number }[];
  /** The goal of the issue (reference/… issue 5), when there is one. */
  readonly goal?: string;
  /**
   * Requests lost or answered after their 10 s deadline on a loaded machine (the same for every
   * row of a run): a round that loses one is discarded and run again, up to
   * {@link MAX_ROUND_ATTEMPTS} times; its figures are kept after that, and counted here.
   */
  readonly lost?: { readonly requests: number; readonly discardedRounds: number };
}

/** How often one round is tried when it loses requests before its figures are kept anyway. */
const MAX_ROUND_ATTEMPTS = 3;

/** A request's deadline: past it the request counts as lost, and the bench goes on. */
const REQUEST_DEADLINE_MS = 10_000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: no answer within ${String(ms)} ms`));
    }, ms);
  });
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer);
  });
}

/** Runs `op` `n` times with `window` calls in flight at once. */
async function inFlight(n: number, window: number, op: () => Promise<unknown>): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, worker));
}

/** Per-call latency in µs of `n` calls of `op`, one at a time. */
async function latencies(n: number, op: () => Promise<unknown>): Promise<number[]> {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const perSec = (n: number, ms: number): number => (n / ms) * 1000;

/**
 * Measures NatsTransport against the raw NATS layer on the server at `url`, with `lib` (the
 * compiled library, as users run it). Opens its own connections and closes them.
 */
export async function measureNatsTransport(
  lib: Lib,
  url: string,
  options: NatsBenchOptions = {},
): Promise<NatsBenchRow[]> {
  const messages = options.messages ?? 50_000;
  const requests = options.requests ?? 20_000;
  const window = options.concurrency ?? 100;
  const sequential = options.sequential ?? 2_000;
  const rounds = options.rounds ?? 5;
  const libUrl = options.libUrl ?? new URL('../dist/runtime/internal.js', import.meta.url).href;
  // The raw connections get the transport's connect defaults too (noAsyncTraces matters for
  // nc.request): the comparison is of the runtime, not of client options.
  const open = (): Promise<NatsConnection> =>
    connect({ ...lib.NATS_CONNECT_DEFAULTS, servers: url });
  const tag = randomBytes(6).toString('base64url');
  const peer = await startPeer(url, libUrl, tag);
  const [pubConn, reqConn, ctlConn] = await Promise.all([open(), open(), open()]);
  const transportB = await lib.NatsTransport.connect({ servers: url });
  const nodeB = lib.createActorSystem({ namespace: 'bench' }, { transport: transportB });
  const control = async (message: object): Promise<void> => {
    await ctlConn.request(`bench.ctl.${tag}`, JSON.stringify(message), { timeout: 30_000 });
  };
  /** Resolves when the peer says it has seen every message sent to `subject`. */
  const doneOn = async (subject: string): Promise<{ all: Promise<void> }> => {
    let seen!: () => void;
    const all = new Promise<void>((resolve) => (seen = resolve));
    ctlConn.subscribe(`${subject}.done`, {
      max: 1,
      callback: () => {
        seen();
      },
    });
    await ctlConn.flush();
    return { all };
  };

  let seq = 0;
  const envelopeBytes = (type: string, to: string): Uint8Array => {
    const r = lib.encodeEnvelope({ v: 1, id: `${tag}${seq++}`, type, to, payload: undefined });
    if (!r.ok) throw r.error;
    return r.value;
  };
  const tellBytes = envelopeBytes('inc', 'c');
  const askBytes = envelopeBytes('get', 'c');

  // --- one-way ---

  const rawPublish = async (n: number): Promise<number> => {
    const subject = `bench.raw.${tag}.${seq++}`;
    const { all } = await doneOn(subject);
    await control({ op: 'count', subject, n });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) pubConn.publish(subject, tellBytes);
    await pubConn.flush();
    await all;
    return perSec(n, performance.now() - t0);
  };

  const handMadeChain = async (n: number): Promise<number> => {
    const subject = `bench.chain.${tag}.${seq++}`;
    const { all } = await doneOn(subject);
    await control({ op: 'chain', subject, n });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      pubConn.publish(subject, packr.pack({ v: 1, id: `${tag}${i}`, type: 'inc', to: 'c' }));
    }
    await pubConn.flush();
    await all;
    return perSec(n, performance.now() - t0);
  };

  const natsTell = async (n: number): Promise<number> => {
    const name = `tell-${seq++}`;
    await control({ op: 'spawn', name });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) nodeB.tell(name, 'inc');
    // Same connection and subject: the ask queues behind every tell, so its answer counts them.
    const count = await nodeB.ask(name, 'get', undefined, { timeoutMs: 120_000 });
    const ms = performance.now() - t0;
    if (count !== n) throw new Error(`tell lost messages: ${String(count)} of ${n}`);
    await control({ op: 'stop', name });
    return perSec(n, ms);
  };

  // --- request / reply ---

  const responderSubject = `bench.echo.${tag}`;
  const muxPrefix = `_INBOX.hm.${tag}.`;
  const muxWaiting = new Map<string, (data: Uint8Array) => void>();
  const mux = reqConn.subscribe(`${muxPrefix}*`, {
    callback: (_err, msg: Msg) => {
      const token = msg.subject.slice(muxPrefix.length);
      const resolve = muxWaiting.get(token);
      muxWaiting.delete(token);
      resolve?.(msg.data);
    },
  });
  await reqConn.flush();
  let muxSeq = 0;
  /** One mux request; a lost reply rejects at the deadline (and its waiter is dropped). */
  const muxCall = (token: string, send: () => void, onData: (data: Uint8Array) => unknown) =>
    withDeadline(
      new Promise<unknown>((resolve) => {
        muxWaiting.set(token, (data) => {
          resolve(onData(data));
        });
        send();
      }),
      REQUEST_DEADLINE_MS,
      'mux request',
    ).finally(() => muxWaiting.delete(token));
  const muxRequest = (): Promise<unknown> => {
    const token = (muxSeq++).toString(36);
    return muxCall(
      token,
      () => {
        reqConn.publish(responderSubject, askBytes, { reply: muxPrefix + token });
      },
      (data) => data,
    );
  };
  const rawRequest = (): Promise<Msg> =>
    reqConn.request(responderSubject, askBytes, { timeout: REQUEST_DEADLINE_MS });

  // The hand-made ask chain: the same mux inbox; the peer's responder does by hand what an actor
  // answering an ask does (unpack → XState send → respond → pack the reply).
  const chainSubject = `bench.askchain.${tag}`;
  const chainRequest = (): Promise<unknown> => {
    const token = (muxSeq++).toString(36);
    const request = { v: 1, id: `${tag}q${token}`, type: 'get', to: 'c', payload: undefined };
    return muxCall(
      token,
      () => {
        reqConn.publish(chainSubject, packr.pack(request), { reply: muxPrefix + token });
      },
      (data) => (packr.unpack(data) as { payload: unknown }).payload,
    );
  };

  const natsAsk = (): Promise<unknown> =>
    nodeB.ask('c', 'get', undefined, { timeoutMs: REQUEST_DEADLINE_MS });

  // A request lost or late under load is counted, not thrown: the round is then run again.
  let lostInRound = 0;
  const counted = (op: () => Promise<unknown>) => (): Promise<unknown> =>
    op().catch(() => {
      lostInRound++;
    });
  const throughput = async (n: number, op: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await inFlight(n, window, counted(op));
    return perSec(n, performance.now() - t0);
  };

  // --- rounds ---

  const runs = {
    publish: [] as number[],
    chain: [] as number[],
    tell: [] as number[],
    request: [] as number[],
    mux: [] as number[],
    chainAsk: [] as number[],
    ask: [] as number[],
    requestP50: [] as number[],
    muxP50: [] as number[],
    chainAskP50: [] as number[],
    askP50: [] as number[],
  };
  const lost = { requests: 0, discardedRounds: 0 };
  /** One round; false when it lost requests and should be run again (attempt < the maximum). */
  const round = async (scale: number, record: boolean, attempt = 1): Promise<boolean> => {
    lostInRound = 0;
    const m = Math.max(1, Math.floor(messages * scale));
    const q = Math.max(1, Math.floor(requests * scale));
    const s = Math.max(1, Math.floor(sequential * scale));
    const figures = {
      publish: await rawPublish(m),
      chain: await handMadeChain(m),
      tell: await natsTell(m),
      request: await throughput(q, rawRequest),
      mux: await throughput(q, muxRequest),
      chainAsk: await throughput(q, chainRequest),
      ask: await throughput(q, natsAsk),
      requestP50: median(await latencies(s, counted(rawRequest))),
      muxP50: median(await latencies(s, counted(muxRequest))),
      chainAskP50: median(await latencies(s, counted(chainRequest))),
      askP50: median(await latencies(s, counted(natsAsk))),
    };
    if (!record) return true;
    if (lostInRound > 0) {
      lost.requests += lostInRound;
      if (attempt < MAX_ROUND_ATTEMPTS) {
        lost.discardedRounds++;
        return false;
      }
    }
    for (const key of Object.keys(figures) as (keyof typeof figures)[]) {
      runs[key].push(figures[key]);
    }
    return true;
  };

  try {
    await round(0.5, false); // warm up the JIT on every path
    for (let r = 0; r < rounds; r++) {
      for (let attempt = 1; !(await round(1, true, attempt)); attempt++);
    }
  } finally {
    mux.unsubscribe();
    await control({ op: 'close' }).catch(() => undefined);
    await peer.exited;
    await nodeB.shutdown();
    await transportB.close();
    await Promise.all([pubConn, reqConn, ctlConn].map((nc) => nc.close()));
  }

  const ratio = (of: number[], to: number[]): number =>
    median(of.map((x, i) => x / (to[i] ?? NaN)));
  const rawPub = 'raw nc.publish';
  const chain = 'hand-made chain';
  const rawReq = 'raw nc.request';
  const muxName = 'hand-made mux inbox';
  const chainAskName = 'hand-made ask chain';
  const rows: NatsBenchRow[] = [
    {
      figure: `${rawPub} → subscriber (pre-encoded envelopes)`,
      value: median(runs.publish),
      unit: 'msg/s',
      comparisons: [],
    },
    {
      figure: `for context: ${chain} (pack → publish → subscribe → unpack → route → XState send)`,
      value: median(runs.chain),
      unit: 'msg/s',
      comparisons: [{ baseline: rawPub, ratio: ratio(runs.chain, runs.publish) }],
    },
    {
      figure: 'system.tell over NatsTransport → actor in another process (processed)',
      value: median(runs.tell),
      unit: 'msg/s',
      comparisons: [
        { baseline: rawPub, ratio: ratio(runs.tell, runs.publish) },
        { baseline: chain, ratio: ratio(runs.tell, runs.chain) },
      ],
      goal: `>= 0.8x ${chain}`,
    },
    {
      figure: `${rawReq} (${window} in flight)`,
      value: median(runs.request),
      unit: 'msg/s',
      comparisons: [],
    },
    {
      figure: `for context: ${muxName} (${window} in flight)`,
      value: median(runs.mux),
      unit: 'msg/s',
      comparisons: [{ baseline: rawReq, ratio: ratio(runs.mux, runs.request) }],
    },
    {
      figure: `for context: ${chainAskName} (mux inbox + pack → unpack → XState → pack reply → unpack; ${window} in flight)`,
      value: median(runs.chainAsk),
      unit: 'msg/s',
      comparisons: [{ baseline: muxName, ratio: ratio(runs.chainAsk, runs.mux) }],
    },
    {
      figure: `system.ask over NatsTransport → actor in another process (${window} in flight)`,
      value: median(runs.ask),
      unit: 'msg/s',
      comparisons: [
        { baseline: rawReq, ratio: ratio(runs.ask, runs.request) },
        { baseline: muxName, ratio: ratio(runs.ask, runs.mux) },
        { baseline: chainAskName, ratio: ratio(runs.ask, runs.chainAsk) },
      ],
      goal: `>= 0.8x ${muxName}`,
    },
    {
      figure: `${rawReq}, one at a time`,
      value: median(runs.requestP50),
      unit: 'µs p50',
      comparisons: [],
    },
    {
      figure: `for context: ${muxName}, one at a time`,
      value: median(runs.muxP50),
      unit: 'µs p50',
      comparisons: [{ baseline: rawReq, ratio: ratio(runs.muxP50, runs.requestP50) }],
    },
    {
      figure: `for context: ${chainAskName}, one at a time`,
      value: median(runs.chainAskP50),
      unit: 'µs p50',
      comparisons: [{ baseline: muxName, ratio: ratio(runs.chainAskP50, runs.muxP50) }],
    },
    {
      figure: 'system.ask over NatsTransport → actor in another process, one at a time',
      value: median(runs.askP50),
      unit: 'µs p50',
      comparisons: [
        { baseline: rawReq, ratio: ratio(runs.askP50, runs.requestP50) },
        { baseline: muxName, ratio: ratio(runs.askP50, runs.muxP50) },
        { baseline: chainAskName, ratio: ratio(runs.askP50, runs.chainAskP50) },
      ],
      goal: `<= 1.2x ${muxName}`,
    },
  ];
  return lost.requests === 0 ? rows : rows.map((row) => ({ ...row, lost }));
}

/** The rows as a Markdown table. */
export function natsBenchTable(rows: readonly NatsBenchRow[]): string {
  const fmt = (row: NatsBenchRow): string =>
    row.unit === 'msg/s'
      ? `${Math.round(row.value).toLocaleString('en-US')}/s`
      : `${row.value.toFixed(1)} µs`;
  return [
    '| figure | median | ratio (median of per-round ratios) | goal |',
    '|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.figure} | ${fmt(row)} | ${row.comparisons.map((c) => `${c.ratio.toFixed(2)}x ${c.baseline}`).join('; ')} | ${row.goal ?? ''} |`,
    ),
    ...lostLine(rows[0]?.lost),
  ].join('\n');
}

/** The line saying how many requests a loaded machine lost, when it lost any. */
function lostLine(lost: NatsBenchRow['lost']): string[] {
  if (lost === undefined) return [];
  return [
    '',
    `Lost or late requests (past ${String(REQUEST_DEADLINE_MS)} ms): ${String(lost.requests)}; rounds discarded and run again: ${String(lost.discardedRounds)}.`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const libUrl =
    process.env['BENCH_NATS_LIB'] ?? new URL('../dist/runtime/internal.js', import.meta.url).href;
  const lib = (await import(libUrl)) as Lib;
  const { startNatsServer } = await import('../runtime/testing/index.js');
  const server = await startNatsServer({ jetstream: false });
  try {
    const rows = await measureNatsTransport(lib, server.url, {
      rounds: Number(process.env['BENCH_NATS_ROUNDS'] ?? 5),
      messages: Number(process.env['BENCH_NATS_MESSAGES'] ?? 50_000),
      requests: Number(process.env['BENCH_NATS_REQUESTS'] ?? 20_000),
    });
    console.log(natsBenchTable(rows));
  } finally {
    await server.stop();
  }
}

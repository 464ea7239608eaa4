/**
 * Peers side by side (issue 18), in the same run: the cost per call of a resilience wrap around a
 * fault-free async function — cockatiel's `wrap(retry, circuitBreaker, timeout)` (the library
 * users would pick) beside agentvisor's `createResiliencePipeline` (step deadline → retry →
 * breaker → attempt timeout), with the bare call as the floor. Same function, same policy shape
 * (3 attempts, exponential backoff, a consecutive-failures breaker, a 1 s cooperative attempt
 * timeout), sequential calls, interleaved rounds, CPU time. Our figure is reported as a ratio to
 * cockatiel's (≥ 1 means faster). Run alone: `BENCH_ONLY=peers` (run.ts) or
 * `npx tsx bench/peers.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  retry,
  timeout,
  wrap,
} from 'cockatiel';

type Lib = typeof import('agentvisor/internal');

/** Medians over the rounds (calls per CPU second) and the median per-round ratio. */
export interface ResiliencePeerBench {
  readonly calls: number;
  readonly rounds: number;
  readonly bare: number;
  readonly cockatiel: number;
  readonly agentvisor: number;
  /** agentvisor / cockatiel, median of per-round ratios. */
  readonly ratio: number;
  readonly cockatielVersion: string;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The guarded function: fault-free, async, as a model or tool call looks to the wrap. */
const work = (): Promise<number> => Promise.resolve(1);

async function perCpuSecond(n: number, call: () => Promise<number>): Promise<number> {
  let sum = 0;
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) sum += await call();
  const ms = cpuMs() - t0;
  if (sum !== n) throw new Error('a guarded call lost its result');
  return (n / ms) * 1000;
}

/** Measures the three paths over `rounds` interleaved rounds of `calls` sequential calls. */
export async function measureResiliencePeers(
  lib: Lib,
  options: { calls?: number; rounds?: number } = {},
): Promise<ResiliencePeerBench> {
  const calls = options.calls ?? 100_000;
  const rounds = options.rounds ?? 7;
  const theirs = wrap(
    retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, {
      halfOpenAfter: 10_000,
      breaker: new ConsecutiveBreaker(5),
    }),
    timeout(1_000, TimeoutStrategy.Cooperative),
  );
  const ours = lib.createResiliencePipeline({
    name: 'bench',
    timeoutMs: 1_000,
    retry: { maxAttempts: 3 },
    breaker: {},
  });
  const paths = {
    bare: () => work(),
    cockatiel: () => theirs.execute(() => work()),
    agentvisor: () => ours.execute(() => work()),
  };
  // Warm the JIT on every path.
  for (const call of Object.values(paths)) await perCpuSecond(Math.min(calls, 20_000), call);
  const figures = { bare: [] as number[], cockatiel: [] as number[], agentvisor: [] as number[] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const bare = await perCpuSecond(calls, paths.bare);
    const c = await perCpuSecond(calls, paths.cockatiel);
    const a = await perCpuSecond(calls, paths.agentvisor);
    figures.bare.push(bare);
    figures.cockatiel.push(c);
    figures.agentvisor.push(a);
    ratios.push(a / c);
  }
  const { createRequire } = await import('node:module');
  const cockatielVersion = (
    createRequire(import.meta.url)('cockatiel/package.json') as { version: string }
  ).version;
  return {
    calls,
    rounds,
    bare: median(figures.bare),
    cockatiel: median(figures.cockatiel),
    agentvisor: median(figures.agentvisor),
    ratio: median(ratios),
    cockatielVersion,
  };
}

/** The figures as a Markdown table. */
export function resiliencePeersTable(b: ResiliencePeerBench): string {
  const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
  return [
    `${b.rounds} interleaved rounds of ${b.calls.toLocaleString('en-US')} sequential calls, calls per CPU second; cockatiel ${b.cockatielVersion}.`,
    '',
    '| path | median | ratio |',
    '|---|---|---|',
    `| bare async call (floor) | ${fmt(b.bare)} | |`,
    `| cockatiel wrap(retry, circuitBreaker, timeout) | ${fmt(b.cockatiel)} | |`,
    `| agentvisor createResiliencePipeline (deadline, retry, breaker, timeout) | ${fmt(b.agentvisor)} | ${b.ratio.toFixed(2)}x cockatiel |`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lib = (await import(new URL('../dist/runtime/internal.js', import.meta.url).href)) as Lib;
  console.log(
    resiliencePeersTable(
      await measureResiliencePeers(lib, {
        calls: Number(process.env['BENCH_PEERS_CALLS'] ?? 100_000),
      }),
    ),
  );
}

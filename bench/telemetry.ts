/**
 * Telemetry overhead (issue 12): local message processing with metrics on (a Prometheus
 * registry, as a node serving `/metrics` has) beside off (the default in-memory registry, what
 * every system counted into before), on the same counter, interleaved rounds, CPU time. Goal:
 * on / off >= 0.9x. Run alone: `BENCH_ONLY=telemetry` (run.ts) or
 * `npx tsx bench/telemetry.ts` with `BENCH_TELEMETRY_N` small.
 */
import { counterMachine } from './shared.js';

type Lib = typeof import('agentvisor/internal');

/** The figures of one run: medians of per-round throughput (messages per CPU second). */
export interface TelemetryBench {
  readonly messages: number;
  readonly rounds: number;
  readonly off: number;
  readonly on: number;
  /** Median of the per-round on / off ratios. */
  readonly ratio: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Tells `n` messages to one actor and waits until all are processed; messages per CPU second. */
async function tellThroughput(lib: Lib, n: number, metrics: boolean): Promise<number> {
  const system = lib.createActorSystem(
    { mailbox: { capacity: n + 1 } },
    metrics ? { metrics: lib.createPrometheusRegistry() } : {},
  );
  system.spawn('c', counterMachine(lib.respond));
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) system.tell('c', 'inc');
  const count = await system.ask('c', 'get');
  const ms = cpuMs() - t0;
  if (count !== n) throw new Error(`tell lost messages: ${String(count)} of ${n}`);
  await system.shutdown();
  return (n / ms) * 1000;
}

/** Measures both, interleaved round by round so drift hits both alike. */
export async function measureTelemetry(
  lib: Lib,
  options: { messages: number; rounds: number },
): Promise<TelemetryBench> {
  const { messages, rounds } = options;
  await tellThroughput(lib, Math.min(messages, 20_000), false); // warm-up
  await tellThroughput(lib, Math.min(messages, 20_000), true);
  const off: number[] = [];
  const on: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = await tellThroughput(lib, messages, false);
    const b = await tellThroughput(lib, messages, true);
    off.push(a);
    on.push(b);
    ratios.push(b / a);
  }
  return { messages, rounds, off: median(off), on: median(on), ratio: median(ratios) };
}

/** The markdown table of a run. */
export function telemetryBenchTable(b: TelemetryBench): string {
  const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
  return [
    `${b.rounds} rounds of ${b.messages.toLocaleString('en-US')} local tells.`,
    '',
    '| figure | median throughput (per CPU second) | ratio (median of per-round ratios) | goal |',
    '|---|---|---|---|',
    `| metrics off (in-memory registry) | ${fmt(b.off)} | 1.00x | |`,
    `| metrics on (Prometheus registry) | ${fmt(b.on)} | ${b.ratio.toFixed(2)}x | >= 0.9x |`,
  ].join('\n');
}

/** Measures and prints the section; returns its table (what run.ts writes to RESULTS.md). */
export async function telemetrySection(lib: Lib): Promise<string> {
  const table = telemetryBenchTable(
    await measureTelemetry(lib, {
      messages: Number(process.env['BENCH_TELEMETRY_N'] ?? 200_000),
      rounds: Number(process.env['BENCH_TELEMETRY_ROUNDS'] ?? 7),
    }),
  );
  console.log(table);
  return table;
}

// `npx tsx bench/telemetry.ts`: this section alone, against the sources.
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  await telemetrySection(await import('agentvisor/internal'));
}

import type { Sample } from 'agentvisor/internal';

/** A seeded PRNG (mulberry32): the fixtures are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal draws from `random` (Box–Muller). */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), Number.MIN_VALUE);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

export const series = { signal: 'latency_p95', agent: 'desk/planner' };

/** `values` as samples `intervalMs` apart from `startAt`. */
export function samples(values: readonly number[], startAt: number, intervalMs: number): Sample[] {
  return values.map((value, i) => ({ series, value, at: startAt + i * intervalMs }));
}

/** `n` draws of N(mean, sd) from `seed`. */
export function stationary(n: number, mean: number, sd: number, seed: number): number[] {
  const normal = gaussian(seeded(seed));
  return Array.from({ length: n }, () => mean + sd * normal());
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A diurnal week every 5 minutes: 100 during business hours (08:00–18:00), 20 otherwise,
 * plus N(0, 2) noise.
 */
export function diurnalWeek(seed: number): number[] {
  const normal = gaussian(seeded(seed));
  const perDay = DAY / (5 * MINUTE);
  return Array.from({ length: 7 * perDay }, (_, i) => {
    const hour = ((i % perDay) * 5) / 60;
    return (hour >= 8 && hour < 18 ? 100 : 20) + 2 * normal();
  });
}

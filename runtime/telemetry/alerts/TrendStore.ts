import type { Alert } from './Alert.js';

/** One point of an `info` alert kept for trends. */
export interface TrendPoint {
  /** Wall time (ms) it fired. */
  readonly at: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** A firing critical of the same agent was muting it. */
  readonly inhibited: boolean;
}

/** Which trend points to read; every field narrows. */
export interface TrendQuery {
  readonly name?: string;
  readonly agent?: string;
  /** From this wall time (ms), inclusive. */
  readonly sinceAt?: number;
  /** Before this wall time (ms), exclusive. */
  readonly untilAt?: number;
}

/**
 * The points of `info` alerts, kept in memory for trend views and never notified; bounded (the
 * oldest leave first, counted in `dropped`).
 */
export class TrendStore {
  readonly #points: TrendPoint[] = [];
  readonly #maxPoints: number;
  #dropped = 0;

  constructor(maxPoints: number) {
    this.#maxPoints = maxPoints;
  }

  add(alert: Alert, inhibited: boolean): void {
    this.#points.push({
      at: alert.startsAt,
      name: alert.name,
      labels: alert.labels,
      value: alert.value,
      inhibited,
    });
    while (this.#points.length > this.#maxPoints) {
      this.#points.shift();
      this.#dropped++;
    }
  }

  /** The points matching `query`, oldest first. */
  points(query: TrendQuery = {}): TrendPoint[] {
    return this.#points.filter(
      (p) =>
        (query.name === undefined || p.name === query.name) &&
        (query.agent === undefined || p.labels['agent'] === query.agent) &&
        (query.sinceAt === undefined || p.at >= query.sinceAt) &&
        (query.untilAt === undefined || p.at < query.untilAt),
    );
  }

  /** Points dropped to stay within the bound. */
  get dropped(): number {
    return this.#dropped;
  }
}

import type { Clock, TimerHandle } from '../../clock/index.js';
import { systemClock } from '../../clock/index.js';
import { parseOptions } from '../../errors/index.js';
import type { Logger } from '../logger.js';
import type { Alert } from './Alert.js';
import {
  AlertRouterOptionsSchema,
  type AlertRouterConfig,
  type AlertRouterOptions,
} from './AlertRouterOptionsSchema.js';
import type { AlertStore } from './AlertStore.js';
import { MemoryAlertStore } from './MemoryAlertStore.js';
import {
  groupKeyOf,
  type AlertNotification,
  type AlertSink,
  type NotificationGroup,
  type NotifiedAlert,
} from './AlertSink.js';
import { TrendStore, type TrendPoint, type TrendQuery } from './TrendStore.js';

/** Capabilities of the router. */
export interface AlertRouterDeps {
  readonly clock?: Clock;
  readonly sinks?: readonly AlertSink[];
  /** Where every alert state is written. @default a MemoryAlertStore */
  readonly store?: AlertStore;
  /** Where sink and store failures are reported (they never reach the caller). */
  readonly logger?: Logger;
}

/** What the router has done, for metrics and tests. */
export interface AlertRouterStats {
  readonly immediate: number;
  readonly digests: number;
  readonly deduplicated: number;
  readonly inhibited: number;
  readonly sinkErrors: number;
  readonly storeErrors: number;
  readonly trendPointsDropped: number;
}

interface DigestWindow {
  readonly startAt: number;
  readonly entries: Map<string, NotifiedAlert>;
  readonly timer: TimerHandle;
}

/**
 * Routes alerts by severity: `critical` is notified at once (firing and resolved); `warning`
 * gathers into one digest per window, grouped by agent and alert name; `info` is stored for
 * trends and never notified. A firing critical inhibits warnings and infos with equal
 * `inhibitEqual` labels: they stay in the digest (and trends), marked inhibited. An alert already
 * firing is not notified again (dedup); every state is written to the store. Never blocks or
 * throws into the caller: sinks queue, store writes run in the background.
 */
export class AlertRouter {
  readonly #config: AlertRouterConfig;
  readonly #clock: Clock;
  readonly #sinks: readonly AlertSink[];
  readonly #store: AlertStore;
  readonly #logger: Logger | undefined;
  readonly #trends: TrendStore;
  readonly #firing = new Map<string, Alert>();
  readonly #pendingWrites = new Set<Promise<void>>();
  #digest: DigestWindow | undefined;
  #stats = {
    immediate: 0,
    digests: 0,
    deduplicated: 0,
    inhibited: 0,
    sinkErrors: 0,
    storeErrors: 0,
  };

  constructor(config: AlertRouterConfig, deps: AlertRouterDeps = {}) {
    this.#config = config;
    this.#clock = deps.clock ?? systemClock;
    this.#sinks = deps.sinks ?? [];
    this.#store = deps.store ?? new MemoryAlertStore();
    this.#logger = deps.logger;
    this.#trends = new TrendStore(config.maxTrendPoints);
  }

  /** Takes one alert state (from an `AlertEvaluator`, or any source). */
  receive(alert: Alert): void {
    const known = this.#firing.get(alert.fingerprint);
    if (alert.status === 'firing') {
      if (known !== undefined) {
        this.#stats.deduplicated++;
        return;
      }
      this.#firing.set(alert.fingerprint, alert);
    } else {
      if (known === undefined) return; // not firing here: nothing to resolve
      this.#firing.delete(alert.fingerprint);
    }
    this.#write(alert);
    switch (alert.severity) {
      case 'critical':
        if (alert.status === 'firing') this.#inhibitPending(alert);
        this.#send({ kind: 'immediate', group: groupOf([{ ...alert, inhibited: false }]) });
        this.#stats.immediate++;
        return;
      case 'warning':
        this.#addToDigest(alert);
        return;
      case 'info':
        if (alert.status === 'firing') {
          const inhibited = this.#isInhibited(alert);
          if (inhibited) this.#stats.inhibited++;
          this.#trends.add(alert, inhibited);
        }
        return;
    }
  }

  /** Sends the open digest now (a router being closed calls it); nothing when none is open. */
  flushDigest(): void {
    const window = this.#digest;
    if (window === undefined) return;
    this.#digest = undefined;
    this.#clock.clearTimeout(window.timer);
    const byGroup = new Map<string, NotifiedAlert[]>();
    for (const alert of window.entries.values()) {
      const key = groupKeyOf(groupLabelsOf(alert));
      byGroup.set(key, [...(byGroup.get(key) ?? []), alert]);
    }
    const groups = [...byGroup.keys()].sort().map((key) => groupOf(byGroup.get(key) ?? []));
    this.#stats.digests++;
    this.#send({
      kind: 'digest',
      windowStartAt: window.startAt,
      windowEndAt: this.#clock.now(),
      groups,
    });
  }

  /** Info points kept for trends. */
  trends(query: TrendQuery = {}): TrendPoint[] {
    return this.#trends.points(query);
  }

  /** The alerts firing now, as this router saw them. */
  firing(): Alert[] {
    return [...this.#firing.values()];
  }

  get stats(): AlertRouterStats {
    return { ...this.#stats, trendPointsDropped: this.#trends.dropped };
  }

  /** Sends the open digest, waits for store writes and for every sink to flush. */
  async close(): Promise<void> {
    this.flushDigest();
    await Promise.allSettled([...this.#pendingWrites]);
    await Promise.allSettled(this.#sinks.map(async (s) => s.flush?.()));
  }

  #addToDigest(alert: Alert): void {
    if (this.#digest === undefined) {
      const timer = this.#clock.setTimeout(() => {
        this.flushDigest();
      }, this.#config.digestWindowMs);
      this.#digest = { startAt: this.#clock.now(), entries: new Map(), timer };
    }
    const previous = this.#digest.entries.get(alert.fingerprint);
    const inhibited = previous?.inhibited === true || this.#isInhibited(alert);
    if (inhibited && previous?.inhibited !== true) this.#stats.inhibited++;
    this.#digest.entries.set(alert.fingerprint, { ...alert, inhibited });
  }

  /** A critical starting to fire mutes the warnings of its agent already in the open digest. */
  #inhibitPending(source: Alert): void {
    if (this.#digest === undefined) return;
    for (const [fp, entry] of this.#digest.entries) {
      if (!entry.inhibited && this.#equalLabels(source, entry)) {
        this.#digest.entries.set(fp, { ...entry, inhibited: true });
        this.#stats.inhibited++;
      }
    }
  }

  #isInhibited(target: Alert): boolean {
    for (const source of this.#firing.values())
      if (source.severity === 'critical' && this.#equalLabels(source, target)) return true;
    return false;
  }

  #equalLabels(a: Alert, b: Alert): boolean {
    return this.#config.inhibitEqual.every((l) => (a.labels[l] ?? '') === (b.labels[l] ?? ''));
  }

  #send(notification: AlertNotification): void {
    for (const sink of this.#sinks) {
      try {
        sink.send(notification);
      } catch (err) {
        this.#stats.sinkErrors++;
        this.#logger?.error({ err, sink: sink.name }, 'alert sink failed');
      }
    }
  }

  #write(alert: Alert): void {
    const write = this.#store.put(alert).then(
      () => undefined,
      (err: unknown) => {
        this.#stats.storeErrors++;
        this.#logger?.error({ err, fingerprint: alert.fingerprint }, 'alert store write failed');
      },
    );
    this.#pendingWrites.add(write);
    void write.finally(() => this.#pendingWrites.delete(write));
  }
}

function groupLabelsOf(alert: Alert): Record<string, string> {
  return { agent: alert.labels['agent'] ?? '', alertname: alert.name };
}

function groupOf(alerts: readonly NotifiedAlert[]): NotificationGroup {
  const first = alerts[0];
  const groupLabels = first === undefined ? {} : groupLabelsOf(first);
  return { groupKey: groupKeyOf(groupLabels), groupLabels, alerts };
}

/**
 * Creates an {@link AlertRouter}: digest window 1 h, inhibition on equal `agent`, 100,000 trend
 * points.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS naming each invalid path.
 */
export function createAlertRouter(
  options: AlertRouterOptions = {},
  deps: AlertRouterDeps = {},
): AlertRouter {
  return new AlertRouter(parseOptions(AlertRouterOptionsSchema, options, 'alert router'), deps);
}

import type { Alert } from './Alert.js';

/** An alert as notified: `inhibited` when a firing critical of the same agent muted it. */
export interface NotifiedAlert extends Alert {
  readonly inhibited: boolean;
}

/**
 * The alerts of one group (one agent and alert name): Alertmanager's unit of notification, one
 * webhook call each.
 */
export interface NotificationGroup {
  /** `{}:{agent="…",alertname="…"}`, stable per group. */
  readonly groupKey: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly NotifiedAlert[];
}

/**
 * What the router hands its sinks: an `immediate` notification (a critical firing or
 * resolving) or a `digest` of the warnings that fired or resolved in one window.
 */
export type AlertNotification =
  | { readonly kind: 'immediate'; readonly group: NotificationGroup }
  | {
      readonly kind: 'digest';
      /** Wall time (ms) the window opened and closed. */
      readonly windowStartAt: number;
      readonly windowEndAt: number;
      readonly groups: readonly NotificationGroup[];
    };

/**
 * Where notifications go. `send` must not block or throw for long: a sink that does I/O queues
 * (the webhook sink does). `flush` resolves once what was queued has been delivered or given up.
 */
export interface AlertSink {
  readonly name: string;
  send(notification: AlertNotification): void;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** The group key of `labels` (Alertmanager's `{}:{…}` form, route `{}`). */
export function groupKeyOf(groupLabels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(groupLabels[name] ?? '')}`);
  return `{}:{${pairs.join(',')}}`;
}

import type { NotificationGroup, NotifiedAlert } from '../telemetry/index.js';

/** Alertmanager's `endsAt` of an alert that has not ended (Go's zero time). */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert of an {@link AlertmanagerPayload}. */
export interface AlertmanagerAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook body (`version: "4"`), so existing receivers work unchanged. */
export interface AlertmanagerPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly AlertmanagerAlert[];
}

/**
 * The webhook body of one notification group. Inhibited alerts are left out, as Alertmanager
 * never sends muted alerts to a receiver; `undefined` when nothing is left. The group is
 * `firing` while any of its alerts fires.
 */
export function toAlertmanagerPayload(
  group: NotificationGroup,
  receiver: string,
  externalURL: string,
): AlertmanagerPayload | undefined {
  const alerts = group.alerts.filter((a) => !a.inhibited);
  if (alerts.length === 0) return undefined;
  return {
    version: '4',
    groupKey: group.groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels: group.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: alerts.map((a) => toAlert(a, externalURL)),
  };
}

function toAlert(alert: NotifiedAlert, externalURL: string): AlertmanagerAlert {
  return {
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt: alert.endsAt === undefined ? ZERO_TIME : new Date(alert.endsAt).toISOString(),
    generatorURL: externalURL,
    fingerprint: alert.fingerprint,
  };
}

/** The pairs every set shares with the same value. */
function common(sets: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = sets;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(first ?? {}))
    if (rest.every((s) => s[name] === value)) out[name] = value;
  return out;
}

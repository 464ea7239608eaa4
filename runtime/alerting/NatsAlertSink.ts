import type { NatsConnection } from '@nats-io/transport-node';
import { createSubjects, encodeToken } from '../transport/index.js';
import type { AlertNotification, AlertSink, Logger } from '../telemetry/index.js';
import { toAlertmanagerPayload } from './toAlertmanagerPayload.js';

/** Options of {@link createNatsAlertSink}. */
export interface NatsAlertSinkOptions {
  /** The namespace whose subject prefix is used (`av.<namespace>`). */
  readonly namespace: string;
  /** The `receiver` field of each body. @default 'agentvisor' */
  readonly receiver?: string;
  /** The `externalURL` field. @default '' */
  readonly externalURL?: string;
}

const encoder = new TextEncoder();

/**
 * The subject a notification group is published on:
 * `av.<namespace>.alerts.<immediate|digest>.<severity>.<agent>` (tokens encoded as the
 * transport's), so a subscriber takes `av.<ns>.alerts.immediate.critical.>` or all of
 * `av.<ns>.alerts.>`.
 */
export function alertSubject(
  namespace: string,
  kind: AlertNotification['kind'],
  severity: string,
  agent: string,
): string {
  return `${createSubjects(namespace).prefix}.alerts.${kind}.${encodeToken(severity)}.${encodeToken(agent === '' ? '_' : agent)}`;
}

/**
 * A sink that publishes each notification group as JSON (Alertmanager's webhook body plus
 * `kind`) on {@link alertSubject}. Core NATS publish: it buffers in the client and never waits;
 * for alerts that must outlive a node, use the JetStream alert store beside it.
 */
export function createNatsAlertSink(
  nc: NatsConnection,
  options: NatsAlertSinkOptions,
  deps: { readonly logger?: Logger } = {},
): AlertSink {
  const receiver = options.receiver ?? 'agentvisor';
  const externalURL = options.externalURL ?? '';
  return {
    name: 'nats',
    send(notification: AlertNotification): void {
      const groups = notification.kind === 'digest' ? notification.groups : [notification.group];
      for (const group of groups) {
        const body = toAlertmanagerPayload(group, receiver, externalURL);
        const first = group.alerts[0];
        if (body === undefined || first === undefined) continue;
        const subject = alertSubject(
          options.namespace,
          notification.kind,
          first.severity,
          group.groupLabels['agent'] ?? '',
        );
        try {
          nc.publish(subject, encoder.encode(JSON.stringify({ kind: notification.kind, ...body })));
        } catch (err) {
          deps.logger?.error({ err, subject }, 'alert publish failed');
        }
      }
    },
    async flush(): Promise<void> {
      if (!nc.isClosed()) await nc.flush();
    },
  };
}

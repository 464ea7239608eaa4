import type { Logger } from '../logger.js';
import type { AlertNotification, AlertSink, NotifiedAlert } from './AlertSink.js';

/**
 * A sink that writes notifications to a pino logger: a critical firing at `error`, its resolve
 * at `info`, a digest at `warn` with each alert (inhibited ones marked).
 */
export function createLogSink(logger: Logger): AlertSink {
  return {
    name: 'log',
    send(notification: AlertNotification): void {
      if (notification.kind === 'immediate') {
        for (const alert of notification.group.alerts) {
          const line = { alert: summary(alert), groupKey: notification.group.groupKey };
          if (alert.status === 'firing') logger.error(line, `alert firing: ${alert.name}`);
          else logger.info(line, `alert resolved: ${alert.name}`);
        }
        return;
      }
      const alerts = notification.groups.flatMap((g) => g.alerts.map(summary));
      logger.warn(
        {
          windowStartAt: notification.windowStartAt,
          windowEndAt: notification.windowEndAt,
          alerts,
          inhibited: alerts.filter((a) => a.inhibited).length,
        },
        `alert digest: ${alerts.length} warnings in ${notification.groups.length} groups`,
      );
    },
  };
}

function summary(alert: NotifiedAlert): Record<string, unknown> & { inhibited: boolean } {
  return {
    name: alert.name,
    status: alert.status,
    fingerprint: alert.fingerprint,
    labels: alert.labels,
    value: alert.value,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    inhibited: alert.inhibited,
  };
}

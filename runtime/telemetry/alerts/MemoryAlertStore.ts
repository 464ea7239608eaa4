import type { Alert, AlertStatus } from './Alert.js';
import { isNewer, type AlertStore } from './AlertStore.js';

/** An {@link AlertStore} in this process's memory: lost with it. */
export class MemoryAlertStore implements AlertStore {
  readonly #alerts = new Map<string, Alert>();

  put(alert: Alert): Promise<void> {
    if (isNewer(alert, this.#alerts.get(alert.fingerprint)))
      this.#alerts.set(alert.fingerprint, alert);
    return Promise.resolve();
  }

  get(fingerprint: string): Promise<Alert | undefined> {
    return Promise.resolve(this.#alerts.get(fingerprint));
  }

  list(filter: { readonly status?: AlertStatus } = {}): Promise<Alert[]> {
    const all = [...this.#alerts.values()].filter(
      (a) => filter.status === undefined || a.status === filter.status,
    );
    return Promise.resolve(all.sort((a, b) => a.startsAt - b.startsAt));
  }
}

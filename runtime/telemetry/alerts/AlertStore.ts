import type { Alert, AlertStatus } from './Alert.js';

/**
 * Where alerts are kept (their latest state per fingerprint): in memory, or in JetStream KV
 * (`JetStreamAlertStore`) so an alert fired on a node that dies is read by another process.
 */
export interface AlertStore {
  /** Stores `alert` as its fingerprint's latest state (a later `startsAt`/`endsAt` wins). */
  put(alert: Alert): Promise<void>;
  get(fingerprint: string): Promise<Alert | undefined>;
  /** Every stored alert, or those of one status, ordered by `startsAt`. */
  list(filter?: { readonly status?: AlertStatus }): Promise<Alert[]>;
}

/**
 * True when `next` is at least as new as `current` (the later event of one fingerprint wins; a
 * resolve beats the firing it ends).
 */
export function isNewer(next: Alert, current: Alert | undefined): boolean {
  if (current === undefined) return true;
  if (next.startsAt !== current.startsAt) return next.startsAt > current.startsAt;
  if (current.status === 'resolved' && next.status === 'firing') return false;
  return true;
}

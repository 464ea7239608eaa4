import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ErrorCode, RuntimeError } from '../errors/index.js';
import {
  casWrite,
  decodeRecord,
  encodeRecord,
  kvKey,
  listKeys,
  natsNames,
  NATS_BUCKETS,
  openBucket,
} from '../nats/index.js';
import { isNewer, type Alert, type AlertStatus, type AlertStore } from '../telemetry/index.js';

/** An alert as stored: checked when read back (a corrupt entry is skipped). */
const AlertRecordSchema = z.object({
  fingerprint: z.string(),
  name: z.string(),
  severity: z.enum(['critical', 'warning', 'info']),
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.number(),
  endsAt: z.number().optional(),
  value: z.number(),
});

/** Compare-and-set rounds a put tries against concurrent writers before it gives up. */
const MAX_CAS_ROUNDS = 5;

/** Where a {@link JetStreamAlertStore} keeps its alerts. */
export interface JetStreamAlertStoreOptions {
  readonly namespace: string;
  /** @default NATS_BUCKETS.alerts ('agentvisor_alerts') */
  readonly bucket?: string;
}

/**
 * An {@link AlertStore} in a JetStream KV bucket (one key per namespace and fingerprint, JSON),
 * so an alert fired on a node that dies is read by any other process. Writes are compare-and-set
 * on the revision read, and the newer state of a fingerprint wins (a resolve beats its firing).
 */
export class JetStreamAlertStore implements AlertStore {
  readonly #nc: NatsConnection;
  readonly #kv: KV;
  readonly #bucket: string;
  readonly #prefix: string;

  private constructor(nc: NatsConnection, kv: KV, bucket: string, namespace: string) {
    this.#nc = nc;
    this.#kv = kv;
    this.#bucket = bucket;
    this.#prefix = natsNames(namespace).keyPrefix;
  }

  /**
   * Opens (creating when missing) the alert bucket.
   *
   * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
   */
  static async open(
    nc: NatsConnection,
    options: JetStreamAlertStoreOptions,
  ): Promise<JetStreamAlertStore> {
    const bucket = options.bucket ?? NATS_BUCKETS.alerts;
    const kv = await openBucket(nc, bucket, { history: 1 });
    return new JetStreamAlertStore(nc, kv, bucket, options.namespace);
  }

  async put(alert: Alert): Promise<void> {
    const key = this.#key(alert.fingerprint);
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const entry = await this.#read(key);
      if (!isNewer(alert, entry?.alert)) return;
      const outcome = await casWrite(this.#kv, key, encodeRecord(alert), entry?.revision);
      if (outcome.status === 'ok') return;
      if (outcome.status === 'unavailable')
        throw new RuntimeError(
          ErrorCode.StoreUnavailable,
          `Cannot write alert ${alert.fingerprint}`,
          {
            cause: outcome.error,
            details: { bucket: this.#bucket, fingerprint: alert.fingerprint },
          },
        );
    }
    throw new RuntimeError(
      ErrorCode.PersistenceConflict,
      `Alert ${alert.fingerprint} kept changing under ${MAX_CAS_ROUNDS} writes`,
      { details: { bucket: this.#bucket, fingerprint: alert.fingerprint } },
    );
  }

  async get(fingerprint: string): Promise<Alert | undefined> {
    return (await this.#read(this.#key(fingerprint)))?.alert;
  }

  async list(filter: { readonly status?: AlertStatus } = {}): Promise<Alert[]> {
    const keys = await listKeys(this.#nc, this.#bucket, `${this.#prefix}>`);
    const alerts: Alert[] = [];
    for (const key of keys) {
      const alert = (await this.#read(key))?.alert;
      if (alert !== undefined && (filter.status === undefined || alert.status === filter.status))
        alerts.push(alert);
    }
    return alerts.sort((a, b) => a.startsAt - b.startsAt);
  }

  #key(fingerprint: string): string {
    return `${this.#prefix}${kvKey(fingerprint)}`;
  }

  /** The entry at `key`: its alert (undefined when corrupt) and revision; none when absent. */
  async #read(key: string): Promise<{ alert: Alert | undefined; revision: number } | undefined> {
    const entry = await this.#kv.get(key);
    if (entry === null || entry.operation !== 'PUT') {
      return entry === null ? undefined : { alert: undefined, revision: entry.revision };
    }
    const record = decodeRecord(AlertRecordSchema, entry.value);
    return { alert: record, revision: entry.revision };
  }
}

import { kvToken } from './kvCodec.js';

/**
 * The default names of the KV buckets and JetStream streams agentvisor makes, in one
 * place. Buckets are shared by every namespace: a namespace's entries sit under the key prefix
 * {@link NatsNames.keyPrefix}. Each option schema that lets a user rename one takes its default
 * from here. The durable mailbox's per-namespace streams are named by `mailboxSubjects` (they
 * share the transport's subject tokens).
 */
export const NATS_BUCKETS = {
  /** Cluster membership heartbeats. */
  members: 'agentvisor_members',
  /** Cluster unit placements. */
  placements: 'agentvisor_placements',
  /** Durable mailbox shard leases. */
  mailboxLeases: 'agentvisor_mbox_leases',
  /** Circuit breaker states shared between nodes. */
  breakers: 'agentvisor_breakers',
  /** Actor checkpoints. */
  checkpoints: 'agentvisor_checkpoints',
  /** Alerts (their latest state per fingerprint). */
  alerts: 'agentvisor_alerts',
  /** Escalations to humans (one record per escalation). */
  escalations: 'agentvisor_escalations',
} as const;

/** The default journal stream and its subject prefix. */
export const NATS_JOURNAL = { stream: 'AGENTVISOR_JOURNAL', subjectPrefix: 'av.journal' } as const;

/** The names one namespace uses. */
export interface NatsNames {
  readonly buckets: typeof NATS_BUCKETS;
  readonly journal: typeof NATS_JOURNAL;
  /** The namespace's key prefix inside a shared bucket, trailing `.` included. */
  readonly keyPrefix: string;
}

/** The bucket and stream names of `namespace` and its key prefix. */
export function natsNames(namespace: string): NatsNames {
  return { buckets: NATS_BUCKETS, journal: NATS_JOURNAL, keyPrefix: `${kvToken(namespace)}.` };
}

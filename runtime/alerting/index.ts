/**
 * Alert sinks and stores that need the network: the Alertmanager-format webhook (queued,
 * retried with backoff), the NATS subject sink, and the JetStream-backed alert store. The pure
 * router and its memory store and log sink are in runtime/telemetry.
 */
export { createWebhookSink, WebhookSink } from './WebhookSink.js';
export type { WebhookSinkDeps, WebhookSinkStats } from './WebhookSink.js';
export { WebhookSinkOptionsSchema } from './WebhookSinkOptionsSchema.js';
export type { WebhookSinkConfig, WebhookSinkOptions } from './WebhookSinkOptionsSchema.js';
export { toAlertmanagerPayload } from './toAlertmanagerPayload.js';
export type { AlertmanagerAlert, AlertmanagerPayload } from './toAlertmanagerPayload.js';
export { alertSubject, createNatsAlertSink } from './NatsAlertSink.js';
export type { NatsAlertSinkOptions } from './NatsAlertSink.js';
export { JetStreamAlertStore } from './JetStreamAlertStore.js';
export type { JetStreamAlertStoreOptions } from './JetStreamAlertStore.js';

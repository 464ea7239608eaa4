export type {
  Transport,
  Subscription,
  Disposable,
  EnvelopeHandler,
  PublishOutcome,
  RequestOptions,
  RejectedHandler,
} from './Transport.js';
export { LocalTransport } from './LocalTransport.js';
export type { LocalTransportOptions } from './LocalTransport.js';
export { NatsTransport } from './NatsTransport.js';
export { NatsTransportOptionsSchema, NATS_CONNECT_DEFAULTS } from './NatsTransportOptions.js';
export type {
  NatsTransportOptions,
  NatsTransportDeps,
  NatsTransportStatus,
} from './NatsTransportOptions.js';
export { createSubjects, encodeToken, decodeToken, isReplyAddress } from './subjects.js';
export type { Subjects } from './subjects.js';
export { replyEnvelope } from './replyEnvelope.js';
export type { ReplyAddress } from './replyEnvelope.js';
export { readReply, noRespondersError } from './readReply.js';
export type { ReplyReading } from './readReply.js';

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
export { createSubjects, encodeToken, decodeToken } from './subjects.js';
export type { Subjects } from './subjects.js';

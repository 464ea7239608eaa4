export { EnvelopeSchema, EnvelopeLimits, ENVELOPE_VERSION, ReplyType } from './Envelope.js';
export type { Envelope } from './Envelope.js';
export { isEnvelope } from './isEnvelope.js';
export { stampSendDeadline, stampReceivedDeadline, messageExpiresAt } from './messageDeadline.js';
export {
  packr,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeValue,
  decodeValue,
  encodeEnvelope,
  decodeEnvelope,
  validateEnvelope,
} from './codec.js';
export type { CodecResult, CodecOptions } from './codec.js';

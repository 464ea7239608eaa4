export { EnvelopeSchema, EnvelopeLimits, ENVELOPE_VERSION, ReplyType } from './Envelope.js';
export type { Envelope } from './Envelope.js';
export { isEnvelope } from './isEnvelope.js';
export { exceedsDepth } from './exceedsDepth.js';
export { stampSendDeadline, stampReceivedDeadline, messageExpiresAt } from './messageDeadline.js';
export {
  packr,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_DEPTH,
  encodeValue,
  encodedSize,
  decodeValue,
  encodeEnvelope,
  decodeEnvelope,
  validateEnvelope,
} from './codec.js';
export type { CodecResult, CodecOptions } from './codec.js';

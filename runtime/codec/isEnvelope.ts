import { ENVELOPE_VERSION, EnvelopeLimits, type Envelope } from './Envelope.js';

const { idLength, typeLength, addressLength, traceparentLength } = EnvelopeLimits;

/** A string `EnvelopeSchema` accepts: 1 to `max` UTF-16 code units (zod counts `length`). */
function isBoundedString(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

/** An optional string field: absent, `undefined`, or a bounded string. */
function isOptionalString(value: unknown, max: number): boolean {
  return value === undefined || isBoundedString(value, max);
}

/**
 * True when `value` is an envelope `EnvelopeSchema` accepts: the same rules written by hand, for
 * the hot path (every message off the wire and every message sent), where zod's generic walk
 * cost more than the NATS hop. It is conservative: anything it cannot judge cheaply (an object
 * that is not plain) answers `false`, and callers then ask the schema itself, which also gives
 * the error. `EnvelopeSchema` stays the spec; a property test holds the two to the same verdict
 * on arbitrary inputs.
 */
export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  // msgpackr decodes maps as plain objects; zod walks inherited keys too (`for…in`), so only
  // plain objects, whose prototype adds no enumerable key, are judged here.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const o = value as Record<string, unknown>;
  if (
    o['v'] !== ENVELOPE_VERSION ||
    !isBoundedString(o['id'], idLength) ||
    !isBoundedString(o['type'], typeLength) ||
    !isBoundedString(o['to'], addressLength) ||
    // zod requires the key (its value may be anything, `undefined` included).
    !('payload' in o)
  ) {
    return false;
  }
  for (const key in o) {
    switch (key) {
      case 'v':
      case 'id':
      case 'type':
      case 'to':
      case 'payload':
        break;
      case 'ns':
      case 'from':
      case 'replyTo':
        if (!isOptionalString(o[key], addressLength)) return false;
        break;
      case 'correlationId':
      case 'causationId':
        if (!isOptionalString(o[key], idLength)) return false;
        break;
      case 'traceparent':
        if (!isOptionalString(o[key], traceparentLength)) return false;
        break;
      case 'deadline':
      case 'budgetMs': {
        const d = o[key];
        if (d !== undefined && !(Number.isSafeInteger(d) && (d as number) >= 0)) return false;
        break;
      }
      case 'attempt': {
        const a = o[key];
        if (a !== undefined && !(Number.isSafeInteger(a) && (a as number) > 0)) return false;
        break;
      }
      default:
        return false; // strictObject: an unknown key is refused
    }
  }
  return true;
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { failureSignature, parseOptions } from 'agentvisor/internal';
import { classifyFailure } from './classifyFailure.js';

/**
 * Poison messages (DESIGN.md "Failure classes"): the same input fails the same way. Restarting
 * cannot help a message that crashes every incarnation, so once one is recognised the supervisor
 * classifies the failure as `poison` and drops the message instead of looping on it.
 */

/** Options of {@link PoisonDetector}. */
export const PoisonDetectorOptionsSchema = z.strictObject({
  /** Identical failures within `windowMs` that make a message poison. @default 2 */
  threshold: z.number().int().min(1).default(2),
  /** How far back identical failures count, in monotonic ms. @default 600_000 (10 min) */
  windowMs: z.number().positive().default(600_000),
  /** Failure signatures remembered; the least recently seen is forgotten first. @default 1000 */
  maxSignatures: z.number().int().min(1).default(1_000),
});

/** What callers pass to {@link PoisonDetector} (every field optional). */
export type PoisonDetectorOptions = z.input<typeof PoisonDetectorOptionsSchema>;

/** The part of a message that identifies its input. */
export interface PoisonCandidate {
  readonly type: string;
  readonly payload: unknown;
}

/**
 * Payloads whose canonical JSON would pass this many characters are not fingerprinted (so never
 * found poison): NATS's default payload limit is 1 MiB, and hashing must stay cheap next to the
 * failure it explains.
 */
const MAX_PAYLOAD_CHARS = 1_048_576;
/** Nesting past this is not fingerprinted either: it keeps the walk off the stack limit. */
const MAX_DEPTH = 64;

/**
 * Recognises poison messages by their failure signature: who failed (the scope), message type, a
 * hash of the payload (canonical JSON, keys sorted), failure class and the runtime's
 * `failureSignature` of the error (its code, or its name and message with numbers blanked: the
 * same "same way" the durable mailbox compares).
 *
 * Memory is bounded: at most `maxSignatures` signatures, each holding at most `threshold`
 * timestamps.
 */
export class PoisonDetector {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #maxSignatures: number;
  /** Signature → failure times (oldest first). Map order doubles as recency for eviction. */
  readonly #failures = new Map<string, number[]>();

  /** @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is out of range. */
  constructor(options: PoisonDetectorOptions = {}) {
    const config = parseOptions(PoisonDetectorOptionsSchema, options, 'poison detector');
    this.#threshold = config.threshold;
    this.#windowMs = config.windowMs;
    this.#maxSignatures = config.maxSignatures;
  }

  /** Signatures currently remembered (at most `maxSignatures`). */
  get size(): number {
    return this.#failures.size;
  }

  /**
   * Records that handling `message` failed with `error`, and says whether the message is poison:
   * true once the same signature has failed `threshold` times within `windowMs`, counting this
   * one. Like restart intensity, the window is inclusive: a failure at `t` counts while
   * `now - t <= windowMs`.
   *
   * A failure with no message (in a timer, on start) is never poison, nor is one whose payload
   * cannot be fingerprinted (cycles, bigints, class instances without `toJSON`, or too large):
   * when unsure, the supervisor falls back to the ordinary decision rather than drop a message.
   *
   * @param now - Monotonic ms.
   * @param scope - Who failed (a supervisor passes the child's id): failures count together only
   *   within one scope, so a sibling failing the same way on the same input is not poison.
   */
  record(message: PoisonCandidate | undefined, error: unknown, now: number, scope = ''): boolean {
    if (message === undefined) return false;
    const signature = signatureOf(message, error, scope);
    if (signature === undefined) return false;

    const cutoff = now - this.#windowMs;
    const times = (this.#failures.get(signature) ?? []).filter((t) => t >= cutoff);
    times.push(now);
    // Only the newest `threshold` times can ever decide, so older ones need not be kept.
    if (times.length > this.#threshold) times.splice(0, times.length - this.#threshold);
    // Delete then set: moves the signature to the end of the Map, the most recently seen.
    this.#failures.delete(signature);
    this.#failures.set(signature, times);
    if (this.#failures.size > this.#maxSignatures) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
    return times.length >= this.#threshold;
  }

  /** Forgets every failure recorded. */
  clear(): void {
    this.#failures.clear();
  }
}

/** The failure signature of a message and error; undefined when the payload has no fingerprint. */
function signatureOf(message: PoisonCandidate, error: unknown, scope: string): string | undefined {
  const payload = canonicalJson(message.payload);
  if (payload === undefined) return undefined;
  // Hashed so that a signature costs 64 characters however large the payload or message text.
  // NUL separators keep field boundaries unambiguous.
  return createHash('sha256')
    .update(
      [scope, message.type, payload, classifyFailure(error), failureSignature(error)].join('\0'),
    )
    .digest('hex');
}

/**
 * JSON with object keys sorted, so equal payloads give equal text whatever their key order.
 * Undefined when the value is not plain data or the text would pass {@link MAX_PAYLOAD_CHARS}.
 */
function canonicalJson(value: unknown): string | undefined {
  const out: string[] = [];
  let chars = 0;
  const onPath = new Set<object>();

  const emit = (text: string): boolean => {
    chars += text.length;
    out.push(text);
    return chars <= MAX_PAYLOAD_CHARS;
  };

  // Returns false to abandon the fingerprint. Mirrors JSON.stringify for plain data.
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') {
      return emit(JSON.stringify(v));
    }
    if (typeof v === 'number') return emit(Number.isFinite(v) ? JSON.stringify(v) : 'null');
    if (typeof v !== 'object') return false; // bigint, function, symbol, undefined at the top
    if (depth >= MAX_DEPTH || onPath.has(v)) return false;
    const json = (v as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return walk(json.call(v) as unknown, depth + 1);
    onPath.add(v);
    const ok = Array.isArray(v) ? walkArray(v, depth) : isPlainObject(v) && walkObject(v, depth);
    onPath.delete(v);
    return ok;
  };

  const walkArray = (items: readonly unknown[], depth: number): boolean => {
    if (!emit('[')) return false;
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && !emit(',')) return false;
      const item: unknown = items[i];
      // JSON.stringify writes null for holes, undefined, functions and symbols in arrays.
      const skip = item === undefined || typeof item === 'function' || typeof item === 'symbol';
      if (!(skip ? emit('null') : walk(item, depth + 1))) return false;
    }
    return emit(']');
  };

  const walkObject = (obj: Record<string, unknown>, depth: number): boolean => {
    if (!emit('{')) return false;
    let first = true;
    for (const key of Object.keys(obj).sort()) {
      const item = obj[key];
      // JSON.stringify leaves these keys out of objects.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (!first && !emit(',')) return false;
      first = false;
      if (!emit(`${JSON.stringify(key)}:`) || !walk(item, depth + 1)) return false;
    }
    return emit('}');
  };

  // A message with no payload at all is still an input; keep it apart from an explicit null.
  if (value === undefined) return 'undefined';
  return walk(value, 0) ? out.join('') : undefined;
}

/**
 * Plain data objects only. A Map, Set or typed array would serialise as `{}` (or by index) and
 * give distinct payloads the same fingerprint, which could drop a good message as poison.
 */
function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

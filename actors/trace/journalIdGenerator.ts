import { randomBytes } from 'node:crypto';

/** The ids agentvisor wants the next span to get, set just before it starts one. */
interface PendingIds {
  traceId: string | undefined;
  spanId: string | undefined;
}

// Global, so that two copies of the package (or of this module) share one slot.
const SLOT = Symbol.for('agentvisor.trace.pendingIds');
const slot = (): PendingIds => {
  const g = globalThis as { [SLOT]?: PendingIds };
  let pending = g[SLOT];
  if (pending === undefined) {
    pending = { traceId: undefined, spanId: undefined };
    g[SLOT] = pending;
  }
  return pending;
};

/**
 * @internal Runs `start` (a synchronous `tracer.startSpan`) with `ids` offered to
 * {@link journalIdGenerator}; cleared afterwards whatever happens.
 */
export function withPendingIds<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
  const pending = slot();
  pending.traceId = ids.traceId;
  pending.spanId = ids.spanId;
  try {
    return start();
  } finally {
    pending.traceId = undefined;
    pending.spanId = undefined;
  }
}

/** An OpenTelemetry SDK id generator (the `IdGenerator` of `@opentelemetry/sdk-trace-base`). */
export interface JournalIdGenerator {
  generateTraceId(): string;
  generateSpanId(): string;
}

/**
 * An id generator for an OpenTelemetry SDK tracer provider (`new BasicTracerProvider({ idGenerator:
 * journalIdGenerator() })`): for the spans agentvisor starts it returns the ids derived from the
 * journal (see traceIdOf / spanIdOf), so span ids too are the same live, after a crash and in
 * {@link exportTrace}; for every other span, random ids as the SDK's default.
 */
export function journalIdGenerator(): JournalIdGenerator {
  return {
    generateTraceId: () => slot().traceId ?? randomHex(16),
    generateSpanId: () => slot().spanId ?? randomHex(8),
  };
}

function randomHex(bytes: number): string {
  let hex: string;
  do hex = randomBytes(bytes).toString('hex');
  while (/^0+$/.test(hex));
  return hex;
}

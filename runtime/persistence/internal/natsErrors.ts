import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError, isRuntimeError, messageOf } from '../../errors/index.js';

/** JetStream's code for a message over the stream's `max_msg_size` (not in JetStreamApiCodes). */
const MESSAGE_TOO_LARGE = 10054;

/**
 * Room left for the headers of one publish (`Nats-Expected-Last-Subject-Sequence`, the KV
 * operation, our marker headers). The server's `max_payload` counts headers and body together.
 */
export const HEADER_ALLOWANCE_BYTES = 256;

/**
 * @internal The largest body one publish may carry: the store's own limit or the connected
 * server's `max_payload` (less room for headers), whichever is smaller. Read at every write: a
 * reconnect may land on a server with another limit.
 */
export function payloadLimit(nc: NatsConnection, maxBytes: number, headerBytes = 0): number {
  const maxPayload = nc.info?.max_payload ?? Number.MAX_SAFE_INTEGER;
  return Math.min(maxBytes, maxPayload - HEADER_ALLOWANCE_BYTES - headerBytes);
}

/**
 * @internal When `error` is JetStream's "wrong last sequence: N" (an expected-last-subject-sequence
 * header that did not match), the sequence the server found; `NaN` when it did not say which.
 * `undefined` for any other error.
 */
export function wrongLastSequence(error: unknown): number | undefined {
  if (!(error instanceof JetStreamApiError)) return undefined;
  if (error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown) return Number.NaN;
  if (error.code !== JetStreamApiCodes.StreamWrongLastSequence) return undefined;
  const match = /wrong last sequence: (\d+)/.exec(error.apiError().description);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** @internal True for JetStream's "no message found" (a sequence that is not, or no longer, there). */
export function isNoMessage(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound;
}

/**
 * @internal Maps a NATS client or JetStream failure of `op` to a RuntimeError: RuntimeErrors pass
 * through; a message the server or client finds too large becomes ERR_VALUE_TOO_LARGE; anything
 * else (timeouts, a closed or draining connection, no responders, other API errors) becomes
 * ERR_STORE_UNAVAILABLE, with the original as `cause`.
 */
export function natsStoreError(op: string, target: string, error: unknown): RuntimeError {
  if (isRuntimeError(error)) return error;
  const message = messageOf(error);
  const apiCode = error instanceof JetStreamApiError ? error.code : undefined;
  if (apiCode === MESSAGE_TOO_LARGE || /max_payload/.test(message)) {
    return new RuntimeError(
      ErrorCode.ValueTooLarge,
      `JetStream refused ${op} ${target}: ${message}`,
      {
        cause: error,
        details: { op, target },
      },
    );
  }
  return new RuntimeError(
    ErrorCode.StoreUnavailable,
    `JetStream failed to ${op} ${target}: ${message}`,
    {
      cause: error,
      details: { op, target, ...(apiCode === undefined ? {} : { apiCode }) },
    },
  );
}

/** @internal Runs one NATS step; a failure becomes a RuntimeError through {@link natsStoreError}. */
export async function nats<T>(op: string, target: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw natsStoreError(op, target, error);
  }
}

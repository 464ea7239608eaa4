import { tooLargeError } from './modelErrors.js';

/** What {@link readLimitedText} needs besides the body. */
export interface LimitedReadContext {
  readonly model: string;
  readonly status: number;
  /** The most bytes read; one more and the read stops. */
  readonly maxBytes: number;
  /** Past `maxBytes`: fail with `ERR_MESSAGE_TOO_LARGE` (true) or keep what came (false). */
  readonly failWhenOver: boolean;
  /** What a failed read throws (the abort reason when the call was aborted). */
  readonly onReadError: (error: unknown) => unknown;
}

/**
 * Reads a response body as UTF-8 text, at most `maxBytes` of it. The read stops as soon as the
 * bound is passed (the body is cancelled, which closes its connection), so an endless or huge
 * body costs at most the bound in memory, never the whole body.
 *
 * @throws {RuntimeError} ERR_MESSAGE_TOO_LARGE (`invalid-output`) past `maxBytes` when
 *   `failWhenOver`; whatever `onReadError` returns when the read fails.
 */
export async function readLimitedText(
  body: ReadableStream<Uint8Array> | null,
  context: LimitedReadContext,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw context.onReadError(err);
      }
      if (chunk.done) return text + decoder.decode();
      bytes += chunk.value.byteLength;
      if (bytes > context.maxBytes) {
        if (context.failWhenOver) {
          throw tooLargeError(context.model, context.status, context.maxBytes, {
            receivedBytes: bytes,
          });
        }
        const room = chunk.value.byteLength - (bytes - context.maxBytes);
        return text + decoder.decode(chunk.value.subarray(0, room));
      }
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    // Stopped early (the bound, a throw): cancel the body so its socket stops streaming.
    reader.cancel().catch(() => undefined);
  }
}

import type { Context } from 'hono';
import { ErrorCode, messageOf } from 'agentvisor/internal';
import { requestError } from './httpError.js';

/**
 * The request's JSON body, read up to `maxBytes` (413 `ERR_BODY_TOO_LARGE` beyond, whatever
 * Content-Length says). An empty body is `{}`; one that is not JSON is 400 `ERR_INVALID_OPTIONS`.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (body === null) return {};
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw requestError(ErrorCode.InvalidOptions, `The body is not JSON: ${messageOf(err)}`, '');
  }
}

function tooLarge(maxBytes: number) {
  return requestError(
    ErrorCode.BodyTooLarge,
    `The request body is over the console's limit of ${maxBytes} bytes`,
  );
}

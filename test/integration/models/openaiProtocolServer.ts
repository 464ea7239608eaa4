import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request as the server received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

/** Answers one request; may write nothing (a hang) or destroy the socket (a reset). */
export type Handler = (req: ReceivedRequest, res: ServerResponse, socket: Socket) => void;

/** A queue of handlers that only requests carrying its `headers` take from. */
export interface Lane {
  /** Send these with each request of the lane (`x-test-lane`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Queues the handler of the lane's next request; resolves when that request has arrived. */
  next(handler: Handler): Promise<ReceivedRequest>;
}

/**
 * A local server speaking OpenAI's chat completions protocol, scripted per request: each request
 * takes the next handler queued on its {@link Lane} (none left: status 599). One lane per test
 * keeps tests apart: a request that reaches the server late, after its test gave up, finds its
 * own empty lane instead of the next test's handler. `close()` destroys every socket the server
 * ever accepted, so hung requests cannot keep it alive.
 */
export interface ProtocolServer {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseUrl: string;
  /** A new, empty lane. */
  lane(): Lane;
  /** Every request received, in order. */
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a {@link ProtocolServer} on 127.0.0.1 and an ephemeral port. */
export async function startProtocolServer(): Promise<ProtocolServer> {
  const sockets = new Set<Socket>();
  const lanes = new Map<string, { handler: Handler; arrived: (req: ReceivedRequest) => void }[]>();
  let lanesCreated = 0;
  const received: ReceivedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
      received.push(request);
      const lane = req.headers['x-test-lane'];
      const next = typeof lane === 'string' ? lanes.get(lane)?.shift() : undefined;
      if (next === undefined) {
        res.writeHead(599, { 'content-type': 'text/plain' }).end('no handler scripted');
        return;
      }
      next.arrived(request);
      next.handler(request, res, req.socket);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');

  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    received,
    lane() {
      const id = String(++lanesCreated);
      const queue: { handler: Handler; arrived: (req: ReceivedRequest) => void }[] = [];
      lanes.set(id, queue);
      return {
        headers: { 'x-test-lane': id },
        next: (handler) => new Promise((arrived) => queue.push({ handler, arrived })),
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err === undefined) resolve();
          else reject(err);
        });
      });
    },
  };
}

// --- answers ---

/** Writes a JSON answer with `status` and extra headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** A chat completion with one choice. */
export function completion(
  message: Record<string, unknown>,
  finishReason = 'stop',
  usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'test-model-0601',
    choices: [
      { index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason },
    ],
    usage,
  };
}

/** An OpenAI error body. */
export function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** The `data:` event of one stream chunk. */
export function sse(chunk: unknown): string {
  return `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`;
}

/** A stream chunk carrying `delta` (and optionally a finish reason). */
export function chunk(delta: Record<string, unknown>, finishReason: string | null = null) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'test-model-0601',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** Sends the headers of an event stream; the caller writes events. */
export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

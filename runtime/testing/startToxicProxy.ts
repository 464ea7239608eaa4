import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { systemClock, type Clock } from '../clock/index.js';
import { ErrorCode, RuntimeError } from '../errors/index.js';

/**
 * A Toxiproxy toxic (same names and fields; times in ms, `rate` in KB/s): `latency` (± `jitter`
 * per chunk), `bandwidth`, `slow_close` (delay the close), `timeout` (drop data, close after
 * `timeout`, 0 = never), `reset_peer` (TCP RST after `timeout`), `limit_data` (close after
 * `bytes`). `stream` defaults to downstream (server → client); `toxicity` (the share of
 * connections it applies to) to 1.
 */
export type Toxic = (
  | { readonly type: 'latency'; readonly latency: number; readonly jitter?: number }
  | { readonly type: 'bandwidth'; readonly rate: number }
  | { readonly type: 'slow_close'; readonly delay: number }
  | { readonly type: 'timeout'; readonly timeout: number }
  | { readonly type: 'reset_peer'; readonly timeout?: number }
  | { readonly type: 'limit_data'; readonly bytes: number }
) & {
  readonly name?: string;
  readonly stream?: 'upstream' | 'downstream';
  readonly toxicity?: number;
};

/** Options of {@link startToxicProxy}. */
export interface ToxicProxyOptions {
  /** Where the proxied server listens. */
  readonly upstream: { readonly host: string; readonly port: number };
  readonly clock?: Clock;
  /** Numbers in [0, 1) for jitter and toxicity. @default Math.random */
  readonly random?: () => number;
}

/** A running proxy ({@link startToxicProxy}). */
export interface ToxicProxy {
  /** The port clients connect to on 127.0.0.1. */
  readonly port: number;
  readonly url: string;
  /** Adds a toxic (to connections open now and later); its name (default `<type>_<stream>`). */
  addToxic(toxic: Toxic): string;
  removeToxic(name: string): void;
  /** Toxiproxy's `/reset`: removes every toxic. */
  reset(): void;
  readonly toxics: readonly Toxic[];
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since the start (a reconnect adds one). */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pipe {
  readonly from: Socket;
  readonly to: Socket;
  readonly stream: 'upstream' | 'downstream';
  /** Toxic names that apply to this connection (toxicity drawn once per connection). */
  readonly applies: Map<string, boolean>;
  dueAt: number;
  sent: number;
}

/**
 * A Toxiproxy-style TCP proxy on 127.0.0.1 between clients and `upstream`, for partition and
 * slow-network tests against a real server (a NATS node and nats-server). Toxics apply per
 * direction, on the clock (`systemClock` unless given).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for a toxic out of range.
 */
export async function startToxicProxy(options: ToxicProxyOptions): Promise<ToxicProxy> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const toxics = new Map<string, Toxic>();
  const sockets = new Set<Socket>();
  const pipes = new Set<Pipe>();

  const active = (pipe: Pipe): Toxic[] =>
    [...toxics.entries()]
      .filter(([name, t]) => (t.stream ?? 'downstream') === pipe.stream && applies(pipe, name, t))
      .map(([, t]) => t);
  const applies = (pipe: Pipe, name: string, toxic: Toxic): boolean => {
    let yes = pipe.applies.get(name);
    if (yes === undefined) {
      const toxicity = toxic.toxicity ?? 1;
      yes = toxicity >= 1 || random() < toxicity;
      pipe.applies.set(name, yes);
    }
    return yes;
  };
  /** Arms a toxic that acts on the connection itself (timeout's close, reset_peer). */
  const arm = (pipe: Pipe, name: string, toxic: Toxic): void => {
    if ((toxic.stream ?? 'downstream') !== pipe.stream || !applies(pipe, name, toxic)) return;
    if (toxic.type === 'timeout' && toxic.timeout > 0)
      clock.setTimeout(() => {
        destroyBoth(pipe);
      }, toxic.timeout);
    if (toxic.type === 'reset_peer')
      clock.setTimeout(() => {
        resetBoth(pipe);
      }, toxic.timeout ?? 0);
  };
  const destroyBoth = (pipe: Pipe): void => {
    pipe.from.destroy();
    pipe.to.destroy();
  };
  const resetBoth = (pipe: Pipe): void => {
    pipe.from.resetAndDestroy();
    pipe.to.resetAndDestroy();
  };

  const wire = (from: Socket, to: Socket, stream: Pipe['stream']): Pipe => {
    const pipe: Pipe = { from, to, stream, applies: new Map(), dueAt: 0, sent: 0 };
    pipes.add(pipe);
    from.on('data', (chunk: Buffer) => {
      let delay = 0;
      for (const t of active(pipe)) {
        if (t.type === 'timeout') return; // dropped: nothing passes while it is in place
        if (t.type === 'latency')
          delay += t.latency + (t.jitter === undefined ? 0 : (random() * 2 - 1) * t.jitter);
        if (t.type === 'bandwidth') delay += (chunk.length / (t.rate * 1024)) * 1000;
        if (t.type === 'limit_data' && pipe.sent + chunk.length > t.bytes) {
          const room = Math.max(0, t.bytes - pipe.sent);
          pipe.sent += room;
          if (room > 0) to.write(chunk.subarray(0, room));
          to.end(() => {
            destroyBoth(pipe);
          });
          return;
        }
      }
      pipe.sent += chunk.length;
      if (delay <= 0 && pipe.dueAt <= clock.now()) {
        to.write(chunk);
        return;
      }
      // Keep order: a chunk never overtakes an earlier delayed one.
      pipe.dueAt = Math.max(pipe.dueAt, clock.now() + delay);
      from.pause();
      clock.setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      }, pipe.dueAt - clock.now());
    });
    from.on('end', () => {
      const slow = active(pipe).find((t) => t.type === 'slow_close');
      const close = (): void => {
        to.end();
      };
      if (slow === undefined) close();
      else clock.setTimeout(close, slow.delay);
    });
    from.on('close', () => {
      pipes.delete(pipe);
    });
    return pipe;
  };

  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(options.upstream.port, options.upstream.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const up = wire(client, upstream, 'upstream');
    const down = wire(upstream, client, 'downstream');
    for (const pipe of [up, down]) for (const [name, toxic] of toxics) arm(pipe, name, toxic);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    addToxic(toxic) {
      checkToxic(toxic);
      const name = toxic.name ?? `${toxic.type}_${toxic.stream ?? 'downstream'}`;
      toxics.set(name, toxic);
      for (const pipe of pipes) {
        if (toxic.type === 'limit_data') pipe.sent = 0; // counted from when it is added
        arm(pipe, name, toxic);
      }
      return name;
    },
    removeToxic(name) {
      toxics.delete(name);
    },
    reset() {
      toxics.clear();
    },
    get toxics() {
      return [...toxics.values()];
    },
    get accepted() {
      return accepted;
    },
    get connections() {
      return pipes.size / 2;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function checkToxic(toxic: Toxic): void {
  const numbers = Object.entries(toxic).filter(([, v]) => typeof v === 'number') as [
    string,
    number,
  ][];
  const bad = numbers.find(([k, v]) => !Number.isFinite(v) || v < 0 || (k === 'toxicity' && v > 1));
  if (bad !== undefined || (toxic.type === 'bandwidth' && toxic.rate <= 0))
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `toxic ${toxic.type}: ${bad?.[0] ?? 'rate'} out of range`,
      {
        details: { toxic: toxic.type, field: bad?.[0] ?? 'rate' },
      },
    );
}

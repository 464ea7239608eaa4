import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { systemClock } from '../clock/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { startNatsServer, type NatsServerHandle } from './startNatsServer.js';

/** How long the routes have to form a full mesh before start fails. */
const MESH_DEADLINE_MS = 10_000;
/** Pause between two mesh probes. */
const MESH_PROBE_PAUSE_MS = 20;

/** Options of {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /** The cluster's name (nats-server `cluster.name`). @default 'agentvisor-test' */
  name?: string;
}

const optionsSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('agentvisor-test'),
});

/** A cluster of `nats-server` processes started by {@link startNatsCluster}. */
export interface NatsClusterHandle {
  /** The servers, in start order; stop or restart any of them on its own. */
  readonly servers: readonly NatsServerHandle[];
  /** Every server's client URL: what a client connects with to survive the loss of one. */
  readonly urls: readonly string[];
  /** Stops every server (see {@link NatsServerHandle.stop}). Idempotent. */
  stop(): Promise<void>;
  /** Same as {@link NatsClusterHandle.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `size` core-NATS servers (no JetStream) on random loopback ports, joined by routes into
 * one cluster, and resolves once the routes form a full mesh (a message published on any server
 * reaches a subscriber on any other), so a test can kill one and watch its clients move to the
 * others.
 *
 * @example
 * await using cluster = await startNatsCluster(3);
 * const transport = await NatsTransport.connect({ servers: [...cluster.urls] });
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when `size` is not an integer from 1 to 16 or the
 *   options are malformed.
 * @throws {RuntimeError} ERR_NATS_SERVER_START when a server does not start, or the mesh does not
 *   form within 10 s (every server started is stopped first).
 */
export async function startNatsCluster(
  size = 3,
  options: StartNatsClusterOptions = {},
): Promise<NatsClusterHandle> {
  const opts = parseOptions(optionsSchema, options, 'startNatsCluster');
  if (!Number.isInteger(size) || size < 1 || size > 16) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Invalid startNatsCluster options: size must be an integer from 1 to 16, got ${String(size)}`,
      {
        details: { what: 'startNatsCluster', issues: [{ path: 'size', message: 'out of range' }] },
      },
    );
  }
  const servers: NatsServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      // Each server dials every earlier one: one route per pair, and no simultaneous dials that
      // nats-server would resolve as duplicates.
      const routes = servers.map((s) => s.clusterUrl).filter((u) => u !== undefined);
      servers.push(
        await startNatsServer({ jetstream: false, cluster: { name: opts.name, routes } }),
      );
    }
    await waitForMesh(servers);
  } catch (e) {
    await stop();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= stop());
  return {
    servers,
    urls: servers.map((s) => s.url),
    stop: stopAll,
    [Symbol.asyncDispose]: stopAll,
  };
}

/**
 * Waits until every server forwards to every other: one probe connection per server subscribes
 * to its own subject, and each asks every other's subject from its own server. A route not up
 * yet answers "no responders" at once; probes repeat until all answer or the deadline passes.
 */
async function waitForMesh(servers: readonly NatsServerHandle[]): Promise<void> {
  if (servers.length < 2) return;
  const conns: NatsConnection[] = [];
  try {
    for (const s of servers) conns.push(await connect({ servers: s.url, noAsyncTraces: true }));
    const subject = (i: number): string => `_av_mesh.${String(i)}`;
    conns.forEach((nc, i) => {
      nc.subscribe(subject(i), {
        callback: (err, msg) => {
          if (err === null) msg.respond();
        },
      });
    });
    await Promise.all(conns.map((nc) => nc.flush()));
    const start = systemClock.monotonic();
    for (;;) {
      const missing: string[] = [];
      await Promise.all(
        conns.flatMap((from, j) =>
          conns.map(async (_to, i) => {
            if (i === j) return;
            try {
              await from.request(subject(i), undefined, { timeout: 1_000 });
            } catch {
              missing.push(`${String(j)}→${String(i)}`);
            }
          }),
        ),
      );
      if (missing.length === 0) return;
      if (systemClock.monotonic() - start > MESH_DEADLINE_MS) {
        throw new RuntimeError(
          ErrorCode.NatsServerStart,
          `nats-server routes did not form a full mesh within ${String(MESH_DEADLINE_MS)} ms`,
          { details: { missing, urls: servers.map((s) => s.url) } },
        );
      }
      await new Promise<void>((resolve) => systemClock.setTimeout(resolve, MESH_PROBE_PAUSE_MS));
    }
  } finally {
    await Promise.all(conns.map((nc) => nc.close()));
  }
}

import { Listeners } from '../../events/index.js';
import type { NatsConnection, Status } from '@nats-io/transport-node';
import type { Clock } from '../../clock/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { Disposable } from '../Transport.js';
import type { NatsTransportStatus } from '../NatsTransportOptions.js';

/**
 * The connection events of a NATS connection, logged and handed to listeners, with the
 * downtime of each disconnect measured on the monotonic clock.
 */
export class NatsStatusFeed {
  readonly #listeners: Listeners<NatsTransportStatus>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #stopped = false;
  /** Monotonic time of the last `disconnect`, for the downtime a `reconnect` reports. */
  #disconnectedAt: number | undefined;

  constructor(nc: NatsConnection, clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
    this.#listeners = new Listeners({
      onListenerError: (err) => {
        logger.error({ err }, 'status listener threw');
      },
    });
    void this.#watch(nc);
  }

  /** Delivers every status from now on. */
  onStatus(listener: (status: NatsTransportStatus) => void): Disposable {
    return this.#listeners.add(listener);
  }

  /** Stops listening (the connection's status iterator ends at its next event or its close). */
  stop(): void {
    this.#stopped = true;
    this.#listeners.clear();
  }

  async #watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const status of nc.status()) {
        if (this.#stopped) break;
        this.#dispatch(status);
      }
    } catch (err) {
      this.#logger.error({ err }, 'NATS status stream failed');
    }
  }

  #dispatch(status: Status): void {
    const now = this.#clock.monotonic();
    let downMs: number | undefined;
    if (status.type === 'disconnect') this.#disconnectedAt = now;
    else if (status.type === 'reconnect' && this.#disconnectedAt !== undefined) {
      downMs = now - this.#disconnectedAt;
      this.#disconnectedAt = undefined;
    }
    const event = toStatusEvent(status, this.#clock.now(), downMs);
    logStatus(this.#logger, event);
    this.#listeners.emit(event);
  }
}

/** The public form of a nats.js status. */
function toStatusEvent(
  status: Status,
  at: number,
  downMs: number | undefined,
): NatsTransportStatus {
  switch (status.type) {
    case 'disconnect':
    case 'ldm':
      return { type: status.type, at, server: status.server };
    case 'reconnect':
      return downMs === undefined
        ? { type: status.type, at, server: status.server }
        : { type: status.type, at, server: status.server, downMs };
    case 'error':
      return { type: status.type, at, error: status.error };
    case 'reconnecting':
    case 'update':
    case 'ping':
    case 'staleConnection':
    case 'forceReconnect':
    case 'slowConsumer':
    case 'close':
      return { type: status.type, at };
  }
}

/**
 * Logs a status at the level it deserves: losing the server is a warning, getting it
 * back is news, dial attempts and pings are noise unless debugging.
 */
function logStatus(logger: Logger, event: NatsTransportStatus): void {
  const fields = {
    natsStatus: event.type,
    ...(event.server === undefined ? {} : { server: event.server }),
    ...(event.downMs === undefined ? {} : { downMs: Math.round(event.downMs) }),
  };
  switch (event.type) {
    case 'disconnect':
      logger.warn(fields, `NATS connection lost (${event.server ?? 'server'})`);
      return;
    case 'reconnect':
      logger.info(fields, `NATS connection back (${event.server ?? 'server'})`);
      return;
    case 'ldm':
    case 'staleConnection':
    case 'slowConsumer':
      logger.warn(fields, `NATS ${event.type}`);
      return;
    case 'error':
      logger.error({ ...fields, err: event.error }, 'NATS server error');
      return;
    case 'forceReconnect':
    case 'close':
      logger.info(fields, `NATS ${event.type}`);
      return;
    case 'reconnecting':
    case 'update':
    case 'ping':
      logger.debug(fields, `NATS ${event.type}`);
      return;
  }
}

import { Listeners } from '../../events/index.js';
import type { RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { Disposable, RejectedHandler } from '../Transport.js';

/**
 * The listeners of a transport's refused messages (bytes that do not decode or
 * validate, envelopes addressed to another namespace). Each refusal is logged: at `warn` when
 * nobody listens (the log is then the only report), at `debug` otherwise.
 */
export class RejectedFeed {
  readonly #listeners: Listeners<Parameters<RejectedHandler>[0]>;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#listeners = new Listeners({
      onListenerError: (err, { subject }) => {
        logger.error({ err, subject }, 'rejected-message listener threw');
      },
    });
  }

  /** Adds a listener; disposing it removes it. */
  add(handler: RejectedHandler): Disposable {
    return this.#listeners.add(handler);
  }

  /** Tells every listener of a refused message. Never throws: a listener that throws is logged. */
  report(subject: string, error: RuntimeError, bytes: Uint8Array): void {
    // Listeners (the actor system's dead letters) report it; without any, the log must.
    const level = this.#listeners.size === 0 ? 'warn' : 'debug';
    this.#logger[level]({ subject, code: error.code }, `message refused: ${error.message}`);
    this.#listeners.emit({ subject, error, bytes });
  }
}

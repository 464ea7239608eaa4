import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { z } from 'zod';
import { ErrorCode, parseOptions, RuntimeError } from '../errors/index.js';
import { disposable, type Disposable } from '../events/index.js';
import type { ExecuteOptions } from './ExecuteOptions.js';

/** Options of {@link createBulkhead}. */
export const BulkheadOptionsSchema = z.strictObject({
  /** The endpoint the bulkhead guards, for errors. @default 'bulkhead' */
  name: z.string().min(1).max(256).default('bulkhead'),
  /** Calls running at once (resilience4j's `maxConcurrentCalls`). @default 25 */
  maxConcurrent: z.number().int().min(1).default(25),
  /** Calls waiting for a slot; beyond it calls are refused (cockatiel, Polly, resilience4j). @default 0 */
  maxQueue: z.number().int().min(0).default(0),
});
/** What callers pass to {@link createBulkhead}. */
export type BulkheadOptions = z.input<typeof BulkheadOptionsSchema>;
/** The resolved options of a {@link Bulkhead}. */
export type BulkheadConfig = z.output<typeof BulkheadOptionsSchema>;

/**
 * A concurrency limit with a bounded queue, per endpoint: one slow endpoint cannot take every
 * connection and every waiting task with it.
 *
 * This one is cockatiel's `bulkhead(limit, queue)`, which needs no timer, wrapped to speak our
 * conventions: a refusal is ERR_BULKHEAD_FULL, and a queued call whose signal aborts rejects at
 * once with `signal.reason` (cockatiel notices only when the call reaches the front of the queue;
 * until then the entry keeps its queue slot).
 */
export class Bulkhead {
  readonly #config: BulkheadConfig;
  readonly #policy: BulkheadPolicy;

  /** @internal Use {@link createBulkhead}. */
  constructor(config: BulkheadConfig) {
    this.#config = config;
    this.#policy = bulkhead(config.maxConcurrent, config.maxQueue);
  }

  /** The endpoint this bulkhead guards. */
  get name(): string {
    return this.#config.name;
  }

  /** The resolved options. */
  get config(): BulkheadConfig {
    return this.#config;
  }

  /** Calls running now. */
  get active(): number {
    return this.#config.maxConcurrent - this.#policy.executionSlots;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#config.maxQueue - this.#policy.queueSlots;
  }

  /** Called each time a call is refused. */
  onReject(listener: () => void): Disposable {
    const registration = this.#policy.onReject(listener);
    return disposable(() => {
      registration.dispose();
    });
  }

  /**
   * Runs `fn` in a slot, waiting in the queue for one if need be.
   *
   * @throws {RuntimeError} ERR_BULKHEAD_FULL when every slot and queue place is taken.
   * @throws `signal.reason` when the caller aborts, even while queued.
   */
  async execute<T>(
    fn: (context: { signal: AbortSignal }) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted === true) throw signal.reason;
    const run = this.#policy.execute(fn, signal);
    if (signal === undefined) {
      return run.catch((error: unknown) => {
        throw this.#translate(error);
      });
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // After an abort the call's own outcome still arrives here (a no-op reject), so cockatiel's
      // later TaskCancelledError is never an unhandled rejection.
      void run
        .then(resolve, (error: unknown) => {
          reject(this.#translate(error));
        })
        .finally(() => {
          signal.removeEventListener('abort', onAbort);
        });
    });
  }

  /** ERR_BULKHEAD_FULL for cockatiel's refusal; anything else as it is (typed for `reject`). */
  #translate(error: unknown): Error {
    if (!isBulkheadRejectedError(error)) return error as Error;
    const { name, maxConcurrent, maxQueue } = this.#config;
    return new RuntimeError(
      ErrorCode.BulkheadFull,
      `Bulkhead ${name} is full: ${maxConcurrent} running and ${maxQueue} queued`,
      {
        cause: error,
        // The class is spelled out too, for classifiers that do not know this code.
        details: { bulkhead: name, maxConcurrent, maxQueue, failureClass: 'transient' },
      },
    );
  }
}

/**
 * Creates a {@link Bulkhead}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is out of range.
 * @example
 * const slots = createBulkhead({ name: 'ollama', maxConcurrent: 4, maxQueue: 16 });
 * const answer = await slots.execute(({ signal }) => model.complete(request, { signal }), { signal });
 */
export function createBulkhead(options: BulkheadOptions = {}): Bulkhead {
  return new Bulkhead(parseOptions(BulkheadOptionsSchema, options, 'bulkhead'));
}

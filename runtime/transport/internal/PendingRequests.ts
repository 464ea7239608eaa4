import { type Clock, DeadlineTimer, type DeadlineEntry } from '../../clock/index.js';
import type { Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { RequestOptions } from '../Transport.js';

interface Pending {
  readonly envelope: Envelope;
  readonly resolve: (reply: Envelope) => void;
  readonly reject: (error: unknown) => void;
  readonly expiry: DeadlineEntry<string>;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/**
 * @internal Requests waiting for their reply, by key (a transport's reply-subject token): each
 * ends exactly once, by reply, error, deadline (ERR_TIMEOUT, all deadlines on one clock timer) or
 * abort (the signal's reason), and its deadline entry and abort listener go with it.
 */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  readonly #deadlines: DeadlineTimer<string>;
  #whenEmpty: (() => void) | undefined;

  constructor(clock: Clock) {
    this.#deadlines = new DeadlineTimer(clock, (key) => {
      const pending = this.#take(key);
      if (pending === undefined) return;
      const { envelope } = pending;
      pending.reject(
        new RuntimeError(ErrorCode.Timeout, `No reply from ${envelope.to} before the deadline`, {
          details: {
            to: envelope.to,
            type: envelope.type,
            id: envelope.id,
            deadline: envelope.deadline,
          },
        }),
      );
    });
  }

  get size(): number {
    return this.#pending.size;
  }

  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /** The request envelope waiting under `key`. */
  envelope(key: string): Envelope | undefined {
    return this.#pending.get(key)?.envelope;
  }

  /**
   * Registers a request, then calls `send`; what `send` throws fails the request. The caller has
   * checked that `key` is free and the signal not aborted.
   */
  wait(
    key: string,
    envelope: Envelope,
    options: RequestOptions,
    send: () => void,
  ): Promise<Envelope> {
    const promise = this.register(key, envelope, options);
    try {
      send();
    } catch (err) {
      this.#take(key)?.reject(err);
    }
    return promise;
  }

  /**
   * Registers a request whose message the caller sends next (failing it with {@link reject} when
   * the send throws): the hot path, with no closure per request. The caller has checked that
   * `key` is free and the signal not aborted.
   */
  register(key: string, envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    let resolve!: (reply: Envelope) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<Envelope>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const { signal } = options;
    const onAbort =
      signal === undefined
        ? undefined
        : () => {
            this.#take(key)?.reject(signal.reason);
          };
    const expiry = this.#deadlines.add(key, options.deadline);
    if (onAbort !== undefined) signal?.addEventListener('abort', onAbort, { once: true });
    this.#pending.set(key, { envelope, resolve, reject, expiry, signal, onAbort });
    return promise;
  }

  /** Ends the request under `key` with its reply; false when none waits there. */
  resolve(key: string, reply: Envelope): boolean {
    const pending = this.#take(key);
    pending?.resolve(reply);
    return pending !== undefined;
  }

  /** Fails the request under `key`; false when none waits there. */
  reject(key: string, error: unknown): boolean {
    const pending = this.#take(key);
    pending?.reject(error);
    return pending !== undefined;
  }

  /** Fails every request with the error `make` returns. */
  rejectAll(make: () => unknown): void {
    for (const key of [...this.#pending.keys()]) this.#take(key)?.reject(make());
    this.#deadlines.clear();
  }

  /** Resolves once no request waits (at once when none does). */
  empty(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#whenEmpty;
      this.#whenEmpty = () => {
        previous?.();
        resolve();
      };
    });
  }

  #take(key: string): Pending | undefined {
    const pending = this.#pending.get(key);
    if (pending === undefined) return undefined;
    this.#pending.delete(key);
    this.#deadlines.cancel(pending.expiry);
    if (pending.onAbort !== undefined)
      pending.signal?.removeEventListener('abort', pending.onAbort);
    if (this.#pending.size === 0 && this.#whenEmpty !== undefined) {
      const whenEmpty = this.#whenEmpty;
      this.#whenEmpty = undefined;
      whenEmpty();
    }
    return pending;
  }
}

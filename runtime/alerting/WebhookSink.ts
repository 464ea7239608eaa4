import type { Clock } from '../clock/index.js';
import { systemClock } from '../clock/index.js';
import { parseOptions } from '../errors/index.js';
import { backoffDelays } from '../resilience/index.js';
import type { AlertNotification, AlertSink, Logger } from '../telemetry/index.js';
import { toAlertmanagerPayload, type AlertmanagerPayload } from './toAlertmanagerPayload.js';
import {
  WebhookSinkOptionsSchema,
  type WebhookSinkConfig,
  type WebhookSinkOptions,
} from './WebhookSinkOptionsSchema.js';

/** Capabilities of a webhook sink. */
export interface WebhookSinkDeps {
  readonly clock?: Clock;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Where retries and give-ups are reported. */
  readonly logger?: Logger;
}

/** What a webhook sink has done. */
export interface WebhookSinkStats {
  /** Bodies waiting (the one in flight included). */
  readonly queued: number;
  /** Bodies a receiver accepted (2xx). */
  readonly delivered: number;
  /** Attempts that failed and were tried again. */
  readonly retries: number;
  /** Bodies dropped because the queue was full. */
  readonly dropped: number;
  /** Bodies given up after `maxAttempts`, or refused with a 4xx other than 408/429. */
  readonly failed: number;
}

/**
 * Posts notifications to a webhook in Alertmanager's format, one body per group. `send` only
 * queues (bounded; the oldest body is dropped and counted when full), so the router and the
 * actors behind it never wait on the network. One body is in flight at a time, in order; a 5xx,
 * 408, 429, network error or timeout is retried with backoff until `maxAttempts`.
 */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  readonly #config: WebhookSinkConfig;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #logger: Logger | undefined;
  readonly #queue: AlertmanagerPayload[] = [];
  readonly #idle = new Set<() => void>();
  #running = false;
  #closed = false;
  #stats = { delivered: 0, retries: 0, dropped: 0, failed: 0 };

  constructor(config: WebhookSinkConfig, deps: WebhookSinkDeps = {}) {
    this.#config = config;
    this.#clock = deps.clock ?? systemClock;
    this.#fetch = deps.fetch ?? globalThis.fetch.bind(globalThis);
    this.#random = deps.random ?? Math.random;
    this.#logger = deps.logger;
  }

  send(notification: AlertNotification): void {
    if (this.#closed) return;
    const groups = notification.kind === 'digest' ? notification.groups : [notification.group];
    for (const group of groups) {
      const body = toAlertmanagerPayload(group, this.#config.receiver, this.#config.externalURL);
      if (body === undefined) continue;
      this.#queue.push(body);
      // The head is in flight while running: drop the oldest waiting body behind it.
      while (this.#queue.length > this.#config.maxQueue) {
        this.#queue.splice(this.#running ? 1 : 0, 1);
        this.#stats.dropped++;
      }
    }
    if (!this.#running && this.#queue.length > 0) void this.#drain();
  }

  get stats(): WebhookSinkStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Resolves once every queued body has been delivered or given up. */
  flush(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops taking bodies; waits for those queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (let body = this.#queue[0]; body !== undefined; body = this.#queue[0]) {
        await this.#deliver(body);
        if (this.#queue[0] === body) this.#queue.shift();
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  async #deliver(body: AlertmanagerPayload): Promise<void> {
    const delays = backoffDelays(this.#config.backoff, this.#random);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(body);
      if (outcome === 'ok') {
        this.#stats.delivered++;
        return;
      }
      if (outcome === 'refused' || attempt >= this.#config.maxAttempts) {
        this.#stats.failed++;
        this.#logger?.error(
          { groupKey: body.groupKey, attempts: attempt, outcome },
          'alert webhook gave up',
        );
        return;
      }
      this.#stats.retries++;
      const delayMs = delays.next().value;
      this.#logger?.warn(
        { groupKey: body.groupKey, attempt, outcome, delayMs },
        'alert webhook retry',
      );
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delayMs));
    }
  }

  /** One POST: `ok` (2xx), `refused` (4xx but 408/429: retrying cannot help), or `retry`. */
  async #attempt(body: AlertmanagerPayload): Promise<'ok' | 'refused' | 'retry'> {
    const controller = new AbortController();
    const timer = this.#clock.setTimeout(() => {
      controller.abort();
    }, this.#config.timeoutMs);
    try {
      const response = await this.#fetch(this.#config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.#config.headers },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return 'ok';
      const retryable =
        response.status >= 500 || response.status === 408 || response.status === 429;
      return retryable ? 'retry' : 'refused';
    } catch {
      return 'retry'; // network error or the attempt's timeout
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }
}

/**
 * Creates a {@link WebhookSink}: timeout 10 s per attempt, 10 attempts, backoff 500 ms × 2 up to
 * 30 s with full jitter, a queue of 1,000 bodies.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS naming each invalid path.
 */
export function createWebhookSink(
  options: WebhookSinkOptions,
  deps: WebhookSinkDeps = {},
): WebhookSink {
  return new WebhookSink(parseOptions(WebhookSinkOptionsSchema, options, 'webhook sink'), deps);
}

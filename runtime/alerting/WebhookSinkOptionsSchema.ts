import { z } from 'zod';

/** Options of `createWebhookSink`; the defaults live here. */
export const WebhookSinkOptionsSchema = z
  .object({
    /** Where notifications are POSTed (an Alertmanager webhook receiver). */
    url: z.url({ protocol: /^https?$/ }),
    /** The `receiver` field of each body. @default 'agentvisor' */
    receiver: z.string().min(1).default('agentvisor'),
    /** The `externalURL` (and each alert's `generatorURL`). @default '' */
    externalURL: z.string().default(''),
    /** Extra request headers (authorization). @default {} */
    headers: z.record(z.string(), z.string()).default({}),
    /** Limit on one attempt, in ms; a slower answer counts as failed and is retried. @default 10_000 */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Attempts per body, the first included; then it is given up and counted. @default 10 */
    maxAttempts: z.number().int().min(1).default(10),
    /** Bodies waiting; past it the oldest is dropped and counted. @default 1_000 */
    maxQueue: z.number().int().min(1).default(1_000),
    /** Delays between attempts (the backoff family, full jitter). */
    backoff: z
      .object({
        /** @default 500 */
        initialDelayMs: z.number().min(0).default(500),
        /** @default 30_000 */
        maxDelayMs: z.number().positive().default(30_000),
        /** @default 2 */
        factor: z.number().min(1).default(2),
        /** @default 'full' */
        jitter: z.enum(['none', 'full', 'decorrelated', 'proportional']).default('full'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** What callers pass to `createWebhookSink` (defaults optional). */
export type WebhookSinkOptions = z.input<typeof WebhookSinkOptionsSchema>;
/** The resolved options a webhook sink runs on. */
export type WebhookSinkConfig = z.output<typeof WebhookSinkOptionsSchema>;

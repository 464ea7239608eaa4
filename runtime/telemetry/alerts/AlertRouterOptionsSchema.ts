import { z } from 'zod';

/** Options of `createAlertRouter`; the defaults live here. */
export const AlertRouterOptionsSchema = z
  .object({
    /** How long warnings gather before their digest is sent. @default 3_600_000 (1 h) */
    digestWindowMs: z.number().int().positive().default(3_600_000),
    /**
     * Labels a firing critical and a warning or info must share for the critical to inhibit it
     * (Alertmanager `equal`; a label missing on both sides counts as equal). @default ['agent']
     */
    inhibitEqual: z.array(z.string().min(1)).default(['agent']),
    /** Most info points kept for trends. @default 100_000 */
    maxTrendPoints: z.number().int().positive().default(100_000),
  })
  .strict();
/** What callers pass to `createAlertRouter` (defaults optional). */
export type AlertRouterOptions = z.input<typeof AlertRouterOptionsSchema>;
/** The resolved options a router runs on. */
export type AlertRouterConfig = z.output<typeof AlertRouterOptionsSchema>;

import type { Clock } from '../../clock/index.js';
import { disposable, type Disposable } from '../../events/index.js';
import type { Sample } from '../anomaly/index.js';
import { AlertEvaluator } from './AlertEvaluator.js';
import { createAlertRouter, type AlertRouter, type AlertRouterDeps } from './AlertRouter.js';
import type { AlertRouterOptions } from './AlertRouterOptionsSchema.js';
import { parseAlertRules } from './parseAlertRules.js';

/** Rules and routing of {@link createAlerting}. */
export interface AlertingOptions extends AlertRouterOptions {
  /** The alert rules as data (validated here). */
  readonly rules: unknown;
}

/** Samples in, routed alerts out: an evaluator wired to a router. */
export interface Alerting extends Disposable {
  /** Feeds one sample to every rule watching it; alerts it causes go to the router. */
  observe(sample: Sample): void;
  readonly evaluator: AlertEvaluator;
  readonly router: AlertRouter;
}

/**
 * Validates `rules`, and wires an {@link AlertEvaluator} to an {@link AlertRouter} with the
 * given sinks and store. Feed it samples from wherever the signals are measured.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS (each path) or ERR_UNKNOWN_DETECTOR.
 */
export function createAlerting(
  options: AlertingOptions,
  deps: AlertRouterDeps & { readonly clock?: Clock; readonly maxSeries?: number } = {},
): Alerting {
  const { rules, ...routing } = options;
  const evaluator = new AlertEvaluator(parseAlertRules(rules), deps);
  const router = createAlertRouter(routing, deps);
  const wired = evaluator.onAlert((alert) => {
    router.receive(alert);
  });
  return {
    ...disposable(() => {
      wired.dispose();
    }),
    evaluator,
    router,
    observe(sample) {
      evaluator.observe(sample);
    },
  };
}

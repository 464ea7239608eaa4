import type { Clock } from '../../clock/index.js';
import type { Persister } from '../../persistence/index.js';
import type { Logger, MetricsRegistry } from '../../telemetry/index.js';
import { replyEnvelope, type Transport } from '../../transport/index.js';
import type { ActorCell } from '../ActorCell.js';
import type { ActorContext } from '../ActorTemplate.js';
import type { AskOptions, TellOptions } from './systemOptions.js';

/** What an actor's context needs of its system. */
export interface ActorContextHost {
  readonly clock: Clock;
  readonly metrics: MetricsRegistry;
  readonly transport: Transport;
  nextId(): string;
  tell(to: string, type: string, payload?: unknown, options?: TellOptions): void;
  ask(to: string, type: string, payload?: unknown, options?: AskOptions): Promise<unknown>;
  checkpoint(name: string): Promise<number>;
  /** The cell hosted under `name` now, if any. */
  cell(name: string): ActorCell | undefined;
}

/**
 * The {@link ActorContext} of one incarnation of `name`: the system's clock and metrics, and
 * tell/ask/reply sent from this actor. `fail` reaches only this incarnation, never a later one.
 */
export function createActorContext(
  host: ActorContextHost,
  name: string,
  incarnation: number,
  logger: Logger,
  persistence: Persister | undefined,
): ActorContext {
  return {
    name,
    incarnation,
    logger,
    clock: host.clock,
    metrics: host.metrics,
    ledger: persistence?.ledger,
    checkpoint: () => host.checkpoint(name),
    tell: (to, type, payload, options) => {
      host.tell(to, type, payload, { from: name, ...options });
    },
    ask: (to, type, payload, options) => host.ask(to, type, payload, { from: name, ...options }),
    fail: (error) => {
      const cell = host.cell(name);
      if (cell?.incarnation === incarnation) cell.fail(error);
    },
    reply: (to, result) => {
      if (to.replyTo === undefined) return;
      const address = { id: host.nextId(), to: to.replyTo, from: name, correlationId: to.id };
      host.transport.publish(
        to.replyTo,
        replyEnvelope(
          address,
          result.error === undefined ? { payload: result.payload } : { error: result.error },
        ),
      );
    },
  };
}

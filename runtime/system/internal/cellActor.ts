import { createActor, type AnyActor } from 'xstate';
import { REPLY_EVENT, type ReplyEmitted } from '../respond.js';
import { effectsInspector } from './cellDurable.js';
import type { CellHost, CellSettings } from './cellHost.js';
import { captureAsyncActionErrors } from './xstatePatch.js';

/** How a cell hears from its XState actor. */
export interface CellActorHooks {
  /** The actor failed (an XState error, or a rejected async action). */
  fail(err: unknown): void;
  /** The actor reached a final state. */
  complete(): void;
  /** The machine answered an ask (a `ReplyEmitted` event, see respond.ts). */
  reply(emitted: ReplyEmitted): void;
  /** Durable actors: the machine's snapshot changed (a step, or an effect's result arriving). */
  transitioned?: (() => void) | undefined;
  /** Durable actors: whether the journal is being replayed (for the template's `attach`). */
  replaying?: (() => boolean) | undefined;
}

/**
 * The XState actor of one cell, not started: on the host's clock, from the settings' input or
 * restored snapshot, with every way it can fail wired to `hooks.fail` (an error observer is
 * mandatory: without one XState rethrows in a timer and kills the process). A durable actor's
 * ledger inspects it, to learn when a recorded outcome reached the machine.
 */
export function createCellActor(
  host: Pick<CellHost, 'clock'>,
  settings: CellSettings,
  hooks: CellActorHooks,
): AnyActor {
  const { logger, persistence } = settings;
  const actor = createActor(settings.logic, {
    clock: host.clock,
    ...(settings.input === undefined ? {} : { input: settings.input }),
    ...(settings.snapshot === undefined ? {} : { snapshot: settings.snapshot as never }),
    ...(persistence === undefined ? {} : { inspect: effectsInspector(persistence.ledger) }),
    logger: (...args: unknown[]) => {
      logger.info({ xstate: args }, 'xstate log');
    },
  });
  captureAsyncActionErrors(actor, (err) => {
    hooks.fail(err);
  });
  actor.subscribe({
    error: (err: unknown) => {
      hooks.fail(err);
    },
    complete: () => {
      hooks.complete();
    },
  });
  actor.on(REPLY_EVENT, (emitted) => {
    hooks.reply(emitted as ReplyEmitted);
  });
  const transitioned = hooks.transitioned;
  if (transitioned !== undefined) {
    actor.subscribe({
      next: () => {
        transitioned();
      },
      error: () => undefined,
    });
  }
  settings.attach?.(actor, hooks.replaying ?? (() => false));
  return actor;
}

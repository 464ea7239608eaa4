import { checkTellOptions } from '../MessageOptions.js';
import type { ActorTable } from './ActorTable.js';
import { actorNotFound } from './actorNotFound.js';
import { createEnvelope } from './createEnvelope.js';
import type { TellOptions } from './systemOptions.js';

/**
 * The body of `ActorSystem.tell`: checks the options and builds the envelope; a tell to an actor
 * this system hosts over an in-process transport goes straight to its cell
 * (`CellRouter.deliverLocal`), any other is published on the transport, and one that reaches
 * nobody goes to dead letters (`unknown-actor`).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (nothing is sent).
 */
export function sendTell(
  table: ActorTable,
  to: string,
  type: string,
  payload: unknown,
  options: TellOptions | undefined,
): void {
  checkTellOptions(options);
  const envelope = createEnvelope(table, to, type, payload, options);
  const { router } = table;
  if (router.deliverLocal(to, envelope)) return;
  if (table.transport.publish(router.subject(to), envelope) === 'no-subscribers') {
    table.deadLetter('unknown-actor', to, envelope, actorNotFound(to));
  }
}

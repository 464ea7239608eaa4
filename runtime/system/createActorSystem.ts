import { parseOptions } from '../errors/index.js';
import { ActorSystem } from './ActorSystem.js';
import {
  ActorSystemOptionsSchema,
  type ActorSystemDeps,
  type ActorSystemOptions,
} from './internal/systemOptions.js';

/**
 * Creates an {@link ActorSystem}. With no transport given it owns a {@link LocalTransport}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with the path of each bad option.
 */
export function createActorSystem(
  options: ActorSystemOptions = {},
  deps: ActorSystemDeps = {},
): ActorSystem {
  return new ActorSystem(parseOptions(ActorSystemOptionsSchema, options, 'actor system'), deps);
}

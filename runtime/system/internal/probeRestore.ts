import { createActor, type AnyActorLogic } from 'xstate';
import type { Clock } from '../../clock/index.js';
import { isActorTemplate, type ActorContext, type ActorTemplate } from '../ActorTemplate.js';

/**
 * Throws when `logic` cannot restore `snapshot`: XState turns a failed restore into an `error`
 * snapshot of an actor that was never started (nothing runs), which recovery then skips.
 * A template builds its probe logic with `context()` (incarnation 0: no incarnation runs it).
 */
export function probeRestore(
  logic: AnyActorLogic | ActorTemplate,
  context: () => ActorContext,
  clock: Clock,
  snapshot: unknown,
): void {
  const probeLogic = isActorTemplate(logic) ? logic.createLogic(context()) : logic;
  const restored = createActor(probeLogic, {
    snapshot: snapshot as never,
    clock,
  }).getSnapshot() as { status?: unknown; error?: unknown };
  const was = (snapshot as { status?: unknown } | null | undefined)?.status;
  if (restored.status === 'error' && was !== 'error') {
    throw restored.error instanceof Error ? restored.error : new Error(String(restored.error));
  }
}

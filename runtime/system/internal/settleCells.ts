import { nextMacrotask } from '../../clock/index.js';
import type { Persister } from '../../persistence/index.js';

/** What {@link settleCells} asks of each hosted cell. */
export interface SettlingCell {
  /** What the cell has in flight; undefined when it is idle. */
  inFlight(): Promise<unknown> | undefined;
}

/**
 * @internal The in-flight work of one cell: its mailbox drain (`queued`: messages waiting or a
 * drain scheduled) and, for a durable actor, its persistence (appends, checkpoint writes,
 * recorded outcomes on their way to the machine). Undefined when there is none.
 */
export function cellInFlight(
  queued: boolean,
  persistence: Persister | undefined,
): Promise<unknown> | undefined {
  const persisting = persistence?.whenIdle();
  if (persisting !== undefined) return persisting;
  // A drain runs on a microtask, or on a macrotask when it yields to I/O: the next turn of the
  // event loop is past either.
  return queued ? nextMacrotask() : undefined;
}

/**
 * @internal Resolves when no cell has anything in flight, checked after a turn of the event loop
 * in which none had: every promise chain that in-flight work started (a tool's resolved result
 * being journaled as its outcome, a reply reaching its asker) has run by then. Work waiting on
 * the outside world (a pending tool call, a timer on the clock) is not in flight.
 */
export async function settleCells(cells: () => Iterable<SettlingCell>): Promise<void> {
  for (;;) {
    const busy = [...cells()].flatMap((cell) => cell.inFlight() ?? []);
    if (busy.length > 0) {
      await Promise.all(busy);
      continue;
    }
    // Nothing is in flight now; a microtask chain may still be on its way to starting some.
    await nextMacrotask();
    if ([...cells()].every((cell) => cell.inFlight() === undefined)) return;
  }
}

import { disposable, type Disposable } from '../../events/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { CellHost } from '../ActorCell.js';
import type { LifecycleEvent, LifecycleListener } from '../Lifecycle.js';
import type { MessageListener } from './systemRefs.js';

/**
 * The system's listeners: lifecycle watchers (per name and for all), and the message and journal
 * taps, which set the cell host's hooks only while someone listens (they cost nothing otherwise).
 * A listener that throws is logged and the others still run.
 */
export class SystemEvents {
  readonly #logger: Logger;
  readonly #host: { -readonly [K in keyof CellHost]: CellHost[K] };
  readonly #watchers = new Map<string, Set<LifecycleListener>>();
  readonly #allWatchers = new Set<LifecycleListener>();
  readonly #messageTaps = new Set<MessageListener>();
  readonly #journalTaps = new Set<MessageListener>();

  constructor(logger: Logger, host: { -readonly [K in keyof CellHost]: CellHost[K] }) {
    this.#logger = logger;
    this.#host = host;
  }

  /** Lifecycle events of every incarnation of the actor named `name`. */
  watch(name: string, listener: LifecycleListener): Disposable {
    let set = this.#watchers.get(name);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(name, set);
    }
    set.add(listener);
    return disposable(() => {
      const current = this.#watchers.get(name);
      current?.delete(listener);
      if (current?.size === 0) this.#watchers.delete(name);
    });
  }

  /** Lifecycle events of every actor. */
  onLifecycle(listener: LifecycleListener): Disposable {
    this.#allWatchers.add(listener);
    return disposable(() => {
      this.#allWatchers.delete(listener);
    });
  }

  onMessage(listener: MessageListener): Disposable {
    return this.#addTap(this.#messageTaps, 'delivered', listener, 'message listener threw');
  }

  onJournaled(listener: MessageListener): Disposable {
    return this.#addTap(this.#journalTaps, 'journaled', listener, 'journaled listener threw');
  }

  emitLifecycle(event: LifecycleEvent): void {
    const notify = (listener: LifecycleListener) => {
      try {
        listener(event);
      } catch (err) {
        this.#logger.error({ err, actor: event.name }, 'lifecycle listener threw');
      }
    };
    const watchers = this.#watchers.get(event.name);
    if (watchers !== undefined) for (const listener of [...watchers]) notify(listener);
    for (const listener of [...this.#allWatchers]) notify(listener);
  }

  /** Adds a tap; the host's hook is set while `taps` has any (it costs nothing otherwise). */
  #addTap(
    taps: Set<MessageListener>,
    hook: 'delivered' | 'journaled',
    listener: MessageListener,
    what: string,
  ): Disposable {
    taps.add(listener);
    this.#host[hook] ??= (actor, envelope) => {
      for (const tap of taps) {
        try {
          tap(actor, envelope);
        } catch (err) {
          this.#logger.error({ err, actor }, what);
        }
      }
    };
    return disposable(() => {
      taps.delete(listener);
      if (taps.size === 0) this.#host[hook] = undefined;
    });
  }
}

import { disposable, type Disposable } from '../../events/index.js';
import type { Envelope } from '../../codec/index.js';
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
    this.#messageTaps.add(listener);
    this.#host.delivered = (actor, envelope) => {
      this.#tap(this.#messageTaps, actor, envelope, 'message listener threw');
    };
    return disposable(() => {
      this.#messageTaps.delete(listener);
      if (this.#messageTaps.size === 0) this.#host.delivered = undefined;
    });
  }

  onJournaled(listener: MessageListener): Disposable {
    this.#journalTaps.add(listener);
    this.#host.journaled = (actor, envelope) => {
      this.#tap(this.#journalTaps, actor, envelope, 'journaled listener threw');
    };
    return disposable(() => {
      this.#journalTaps.delete(listener);
      if (this.#journalTaps.size === 0) this.#host.journaled = undefined;
    });
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

  #tap(taps: Set<MessageListener>, actor: string, envelope: Envelope, what: string): void {
    for (const tap of taps) {
      try {
        tap(actor, envelope);
      } catch (err) {
        this.#logger.error({ err, actor }, what);
      }
    }
  }
}

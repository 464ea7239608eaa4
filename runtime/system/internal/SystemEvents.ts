import { Listeners, disposable, type Disposable } from '../../events/index.js';
import type { Envelope } from '../../codec/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { CellHost } from '../ActorCell.js';
import type { LifecycleEvent, LifecycleListener } from '../Lifecycle.js';
import type { MessageListener } from './systemRefs.js';

/** What a message or journal tap is told: the actor and the envelope. */
interface TapEvent {
  readonly actor: string;
  readonly envelope: Envelope;
}

/**
 * The system's listeners: lifecycle watchers (per name and for all), and the message and journal
 * taps, which set the cell host's hooks only while someone listens (they cost nothing otherwise).
 * A listener that throws is logged and the others still run (the {@link Listeners} rule).
 */
export class SystemEvents {
  readonly #host: { -readonly [K in keyof CellHost]: CellHost[K] };
  readonly #watchers = new Map<string, Listeners<LifecycleEvent>>();
  readonly #allWatchers: Listeners<LifecycleEvent>;
  readonly #messageTaps: Listeners<TapEvent>;
  readonly #journalTaps: Listeners<TapEvent>;
  readonly #onLifecycleError: (err: unknown, event: LifecycleEvent) => void;

  constructor(logger: Logger, host: { -readonly [K in keyof CellHost]: CellHost[K] }) {
    this.#host = host;
    this.#onLifecycleError = (err, event) => {
      logger.error({ err, actor: event.name }, 'lifecycle listener threw');
    };
    const tapError =
      (what: string) =>
      (err: unknown, { actor }: TapEvent): void => {
        logger.error({ err, actor }, what);
      };
    this.#allWatchers = new Listeners({ onListenerError: this.#onLifecycleError });
    this.#messageTaps = new Listeners({ onListenerError: tapError('message listener threw') });
    this.#journalTaps = new Listeners({ onListenerError: tapError('journaled listener threw') });
  }

  /** Lifecycle events of every incarnation of the actor named `name`. */
  watch(name: string, listener: LifecycleListener): Disposable {
    let watchers = this.#watchers.get(name);
    if (watchers === undefined) {
      watchers = new Listeners({ onListenerError: this.#onLifecycleError });
      this.#watchers.set(name, watchers);
    }
    const added = watchers.add(listener);
    return disposable(() => {
      added.dispose();
      if (this.#watchers.get(name)?.size === 0) this.#watchers.delete(name);
    });
  }

  /** Lifecycle events of every actor. */
  onLifecycle(listener: LifecycleListener): Disposable {
    return this.#allWatchers.add(listener);
  }

  onMessage(listener: MessageListener): Disposable {
    return this.#addTap(this.#messageTaps, 'delivered', listener);
  }

  onJournaled(listener: MessageListener): Disposable {
    return this.#addTap(this.#journalTaps, 'journaled', listener);
  }

  emitLifecycle(event: LifecycleEvent): void {
    this.#watchers.get(event.name)?.emit(event);
    this.#allWatchers.emit(event);
  }

  /** Adds a tap; the host's hook is set while `taps` has any (it costs nothing otherwise). */
  #addTap(
    taps: Listeners<TapEvent>,
    hook: 'delivered' | 'journaled',
    listener: MessageListener,
  ): Disposable {
    const added = taps.add(({ actor, envelope }) => {
      listener(actor, envelope);
    });
    this.#host[hook] ??= (actor, envelope) => {
      taps.emit({ actor, envelope });
    };
    return disposable(() => {
      added.dispose();
      if (taps.size === 0) this.#host[hook] = undefined;
    });
  }
}

import type { Envelope } from '../codec/index.js';

/** Why an actor stopped. `normal`: it was asked to stop; `shutdown`: its system is stopping. */
export type StopReason = 'normal' | 'shutdown';

/**
 * Lifecycle events of one actor incarnation: what `watch` delivers and supervisors act on.
 * - `failed` is an abnormal exit (an XState error, a rejected async action);
 * - `done` is a normal exit (the machine reached a final state);
 * - `stopped` is an exit someone asked for.
 */
export type LifecycleEvent =
  | {
      readonly type: 'started';
      readonly name: string;
      readonly incarnation: number;
      readonly at: number;
    }
  | {
      readonly type: 'failed';
      readonly name: string;
      readonly incarnation: number;
      readonly error: unknown;
      /** The message being processed when it failed, if any. */
      readonly message?: Envelope;
      readonly at: number;
    }
  | {
      readonly type: 'done';
      readonly name: string;
      readonly incarnation: number;
      readonly output: unknown;
      readonly at: number;
    }
  | {
      readonly type: 'stopped';
      readonly name: string;
      readonly incarnation: number;
      readonly reason: StopReason;
      readonly at: number;
    };

/** Listener of lifecycle events. Must not throw (a throw is logged and ignored). */
export type LifecycleListener = (event: LifecycleEvent) => void;

/** Status of an actor as the system reports it. */
export type ActorStatus = 'running' | 'failed' | 'done' | 'stopped';

import type { Directive, FailureClass } from './failureClasses.js';

/**
 * Every supervisor decision, as data: logged as one structured line and delivered to listeners.
 * `child` is the child id; `incarnation` the incarnation the event is about.
 */
export type SupervisorEvent =
  | {
      readonly type: 'child-started';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      readonly at: number;
    }
  | {
      readonly type: 'child-failed';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      readonly failureClass: FailureClass;
      readonly directive: Directive;
      readonly error: string;
      readonly at: number;
    }
  | {
      readonly type: 'child-exited';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      /** `normal`: reached a final state; `shutdown`: stopped by someone else. */
      readonly reason: 'normal' | 'shutdown';
      readonly at: number;
    }
  | {
      readonly type: 'restart-scheduled';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      /** Children restarted together (the strategy's reach), in start order. */
      readonly targets: readonly string[];
      readonly delayMs: number;
      readonly failureClass: FailureClass | undefined;
      readonly at: number;
    }
  | {
      readonly type: 'child-stopped';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      readonly how: string;
      readonly at: number;
    }
  | {
      readonly type: 'child-parked';
      readonly supervisor: string;
      readonly child: string;
      readonly incarnation: number;
      readonly escalation: string;
      readonly at: number;
    }
  | {
      readonly type: 'escalation-decided';
      readonly supervisor: string;
      readonly child: string;
      readonly escalation: string;
      readonly decision: string;
      readonly decidedBy: 'human' | 'deadline';
      readonly at: number;
    }
  | {
      readonly type: 'gave-up';
      readonly supervisor: string;
      readonly child: string;
      readonly failureClass: FailureClass | undefined;
      readonly restarts: number;
      readonly at: number;
    }
  | {
      readonly type: 'auto-shutdown';
      readonly supervisor: string;
      readonly child: string;
      readonly at: number;
    };

/** Listener of supervisor events. */
export type SupervisorEventListener = (event: SupervisorEvent) => void;

import { wireChain, type Disposable, type MailboxDeadLetter } from 'agentvisor/internal';
import type { HumanDecisionType } from '../failureClasses.js';
import type { OpenEscalation } from './Escalation.js';
import type { ApplyDecision, EscalationService } from './EscalationService.js';

/** Where poison reports come from: a `DurableMailbox` (its `onPoison`). */
export interface PoisonReports {
  onPoison(listener: (letter: MailboxDeadLetter) => void): Disposable;
}

/** Options of {@link escalatePoisonMessages}. */
export interface EscalatePoisonOptions {
  /** Recorded as the escalation's supervisor. @default 'durable-mailbox' */
  readonly supervisor?: string;
  /** Time a person has to decide. @default Infinity (no deadline) */
  readonly deadlineMs?: number;
  /** Applied when nobody decides in time. @default 'stop' (the message stays dead-lettered) */
  readonly defaultDecision?: HumanDecisionType;
  /**
   * Acts on the decision (e.g. `retry`: send the dead letter's envelope again under a new id —
   * the old one is taken by the stream's dedupe). @default records the decision only
   */
  readonly apply?: ApplyDecision;
  /** Told of each escalation opened (or of the error when opening it failed). */
  readonly onOpened?: (record: OpenEscalation) => void;
  readonly onError?: (error: unknown, letter: MailboxDeadLetter) => void;
}

/**
 * Opens an escalation for every poison message a durable mailbox dead-letters (DESIGN.md
 * "Supervision": a message that keeps failing its actor until its deliveries run out is `poison`,
 * escalated to a person with its context): the failure chain, the message, the actor. The runtime does not know
 * the supervisors; this adapter is how the two meet.
 *
 * @example
 * escalatePoisonMessages(mailbox, escalations, { deadlineMs: 3_600_000 });
 */
export function escalatePoisonMessages(
  source: PoisonReports,
  service: EscalationService,
  options: EscalatePoisonOptions = {},
): Disposable {
  const apply: ApplyDecision = options.apply ?? (() => undefined);
  return source.onPoison((letter) => {
    const input = {
      supervisor: options.supervisor ?? 'durable-mailbox',
      child: {
        id: letter.actor,
        name: letter.actor,
        incarnation: 0,
        spec: { mailbox: { shard: letter.shard, streamSeq: letter.streamSeq, node: letter.node } },
      },
      failureClass: 'poison' as const,
      errorChain: wireChain(letter.error),
      restartHistory: [],
      lastCheckpoint: undefined,
      lastMessages: letter.envelope === undefined ? [] : [letter.envelope],
      ...(letter.envelope === undefined ? {} : { failedMessage: letter.envelope }),
      defaultDecision: options.defaultDecision ?? 'stop',
      deadlineMs: options.deadlineMs ?? Infinity,
    };
    service.open(input, apply).then(
      (record) => options.onOpened?.(record),
      (error: unknown) => options.onError?.(error, letter),
    );
  });
}

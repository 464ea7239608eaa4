import {
  ErrorCode,
  alertFingerprint,
  messageOf,
  systemClock,
  type Alert,
  type Clock,
  type JournalEntry,
  type Logger,
} from 'agentvisor/internal';
import type { EscalationService } from '../escalation/index.js';

/** A safety property `checkAgent` proves before deploy, seen broken in a journal. */
export type LiveProperty = 'approval-before-tool' | 'no-repeated-effect';

/** One violation, at the journal entry that broke the property. */
export interface JournalViolation {
  readonly property: LiveProperty;
  readonly actor: string;
  /** Sequence of the offending effect intent in the actor's journal. */
  readonly seq: number;
  /** The task (id of the message that began it). */
  readonly task: string;
  readonly tool: string;
  readonly detail: string;
}

/** What {@link JournalWatcher} takes. */
export interface JournalWatcherOptions {
  /** The agent whose journal it is (an AgentDefinition fits): tools (idempotent or not), `requiresApproval`. */
  readonly agent: {
    readonly name: string;
    readonly tools?: Readonly<Record<string, { readonly idempotent?: boolean }>> | undefined;
    readonly requiresApproval?: readonly string[] | undefined;
  };
  /** The actor's name (its journal's key). */
  readonly actor: string;
  /** Decisions of a `human` effect that count as an approval. @default ['approve'] */
  readonly approvalChoices?: readonly string[];
  /** Where each violation goes as a `critical` alert (an AlertRouter). @default none */
  readonly alerts?: { receive(alert: Alert): void };
  /** When given, each violation also opens an escalation naming the journal seq. @default none */
  readonly escalations?: EscalationService;
  /** How long a person has to decide on such an escalation. @default Infinity */
  readonly escalationDeadlineMs?: number;
  /** Called with each violation. @default none */
  readonly onViolation?: (violation: JournalViolation) => void;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface TaskFacts {
  approved: boolean;
  /** `tool + input` of the non-idempotent tools started in the task. */
  readonly started: Set<string>;
}

/**
 * Checks `checkAgent`'s safety properties on a durable agent's journal, entry by entry
 * (PObserve-style, with no second model): a tool listed in `requiresApproval` whose intent is
 * journaled with no `human` approval earlier in its task (`approval-before-tool`), and a
 * non-idempotent tool started twice with the same input in one task (`no-repeated-effect`; a
 * retry of one effect keeps its ledger key and idempotency key and is not a repeat). Feed it live
 * ({@link watchJournal}) or a recorded journal ({@link checkJournal}). A task is the message
 * that began it; an effect belongs to the task of the step whose journal seq its ledger key
 * names. What it cannot see: `never` predicates over state and context (the journal records
 * messages and effects, not snapshots), and effects that never reached the ledger.
 */
export class JournalWatcher {
  readonly violations: JournalViolation[] = [];
  readonly #options: JournalWatcherOptions;
  readonly #needsApproval: ReadonlySet<string>;
  readonly #approvals: ReadonlySet<string>;
  readonly #taskOfSeq = new Map<number, string>();
  readonly #tasks = new Map<string, TaskFacts>();
  readonly #intents = new Map<string, { tool: string; task: string }>();
  readonly #seen = new Set<number>();

  constructor(options: JournalWatcherOptions) {
    this.#options = options;
    this.#needsApproval = new Set(options.agent.requiresApproval ?? []);
    this.#approvals = new Set(options.approvalChoices ?? ['approve']);
  }

  /** Checks one journal entry (entries in seq order; one seen twice is ignored). */
  observe(entry: JournalEntry): JournalViolation | undefined {
    if (this.#seen.has(entry.seq)) return undefined;
    this.#seen.add(entry.seq);
    const data = entry.event.data as Record<string, unknown> | null | undefined;
    switch (entry.event.kind) {
      case 'message':
        if (typeof data?.['id'] === 'string') this.#taskOfSeq.set(entry.seq, data['id']);
        return undefined;
      case 'effect-intent':
        return this.#intent(entry.seq, data);
      case 'effect-outcome':
        this.#outcome(data);
        return undefined;
      case 'state':
      case 'supervisor':
      case 'note':
      case 'decision':
        return undefined;
    }
  }

  #taskOf(key: string): string {
    const step = Number(/^(\d+)\//.exec(key)?.[1]);
    return this.#taskOfSeq.get(step) ?? 'unknown';
  }

  #facts(task: string): TaskFacts {
    let facts = this.#tasks.get(task);
    if (facts === undefined) {
      facts = { approved: false, started: new Set() };
      this.#tasks.set(task, facts);
    }
    return facts;
  }

  #intent(
    seq: number,
    data: Record<string, unknown> | null | undefined,
  ): JournalViolation | undefined {
    const key = data?.['key'];
    const effect = data?.['effect'];
    if (typeof key !== 'string' || typeof effect !== 'string') return undefined;
    const task = this.#taskOf(key);
    this.#intents.set(key, { tool: effect, task });
    if (!effect.startsWith('tool:')) return undefined;
    const tool = effect.slice('tool:'.length);
    const facts = this.#facts(task);
    if (this.#needsApproval.has(tool) && !facts.approved) {
      return this.#violate({
        property: 'approval-before-tool',
        seq,
        task,
        tool,
        detail: `tool ${tool} ran without a person's approval earlier in task ${task}`,
      });
    }
    if (this.#options.agent.tools?.[tool]?.idempotent === true) return undefined;
    // A retry of the same effect re-journals nothing (same key); another key is another run.
    const runKey = `${tool}\u0000${JSON.stringify(data?.['input'] ?? null)}`;
    if (facts.started.has(runKey)) {
      return this.#violate({
        property: 'no-repeated-effect',
        seq,
        task,
        tool,
        detail: `non-idempotent tool ${tool} ran twice with the same input in task ${task}`,
      });
    }
    facts.started.add(runKey);
    return undefined;
  }

  #outcome(data: Record<string, unknown> | null | undefined): void {
    const key = data?.['key'];
    if (typeof key !== 'string') return;
    const intent = this.#intents.get(key);
    if (intent?.tool !== 'human') return;
    const outcome = data?.['outcome'] as { ok?: boolean; output?: { decision?: unknown } };
    const decision = outcome.ok === true ? outcome.output?.decision : undefined;
    if (typeof decision === 'string' && this.#approvals.has(decision)) {
      this.#facts(intent.task).approved = true;
    }
  }

  #violate(found: Omit<JournalViolation, 'actor'>): JournalViolation {
    const violation: JournalViolation = { ...found, actor: this.#options.actor };
    this.violations.push(violation);
    const { alerts, escalations, onViolation, logger } = this.#options;
    const clock = this.#options.clock ?? systemClock;
    logger?.error({ violation }, `safety property ${violation.property} violated`);
    onViolation?.(violation);
    if (alerts !== undefined) {
      const labels = {
        alertname: 'AgentSafetyViolation',
        severity: 'critical',
        agent: this.#options.agent.name,
        property: violation.property,
        tool: violation.tool,
      };
      alerts.receive({
        fingerprint: alertFingerprint({ ...labels, seq: String(violation.seq) }),
        name: 'AgentSafetyViolation',
        severity: 'critical',
        status: 'firing',
        labels,
        annotations: {
          summary: violation.detail,
          actor: violation.actor,
          journal_seq: String(violation.seq),
          task: violation.task,
        },
        startsAt: clock.now(),
        value: violation.seq,
      });
    }
    if (escalations !== undefined) this.#escalate(escalations, violation);
    return violation;
  }

  #escalate(escalations: EscalationService, violation: JournalViolation): void {
    const message = `${violation.detail} (journal seq ${violation.seq})`;
    escalations
      .open(
        {
          supervisor: 'journal-watcher',
          child: { id: violation.actor, name: violation.actor, incarnation: 0, spec: undefined },
          failureClass: 'safety',
          errorChain: [
            {
              code: ErrorCode.SafetyViolation,
              message,
              details: { ...violation },
            },
          ],
          restartHistory: [],
          lastCheckpoint: undefined,
          lastMessages: [],
          defaultDecision: 'stop',
          deadlineMs: this.#options.escalationDeadlineMs ?? Infinity,
        },
        () => undefined,
      )
      .catch((err: unknown) => {
        this.#options.logger?.error({ err: messageOf(err) }, 'safety escalation not opened');
      });
  }
}

/**
 * Wraps `journal` so every batch appended for `options.actor` is checked as it is written (after
 * the append succeeds, with the seqs it got). Reads and everything else pass through.
 */
export function watchJournal<TJournal extends { append: JournalAppend }>(
  journal: TJournal,
  options: JournalWatcherOptions,
): { journal: TJournal; watcher: JournalWatcher } {
  const watcher = new JournalWatcher(options);
  const append: JournalAppend = async (actor, events, appendOptions) => {
    const seqs = await journal.append(actor, events, appendOptions);
    if (actor === options.actor) {
      events.forEach((event, i) => {
        const seq = seqs[i];
        if (seq !== undefined) watcher.observe({ seq, event });
      });
    }
    return seqs;
  };
  const wrapped = new Proxy(journal, {
    get(target, prop, receiver) {
      if (prop === 'append') return append;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { journal: wrapped, watcher };
}

type JournalAppend = (
  actor: string,
  events: readonly JournalEntry['event'][],
  options?: { expectedLastSeq?: number },
) => Promise<number[]>;

/** Checks a recorded journal afterwards: the violations, in seq order. */
export function checkJournal(
  entries: readonly JournalEntry[],
  options: JournalWatcherOptions,
): JournalViolation[] {
  const watcher = new JournalWatcher(options);
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) watcher.observe(entry);
  return watcher.violations;
}

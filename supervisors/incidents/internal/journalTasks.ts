import type { JournalEntry } from 'agentvisor/internal';

/** One effect outcome of a task, as the journal recorded it. */
export interface TaskEffect {
  readonly key: string;
  readonly effect: string;
  readonly ok: boolean;
  readonly errorCode: string | undefined;
  readonly cost: number;
  readonly seq: number;
}

/** A task read off one actor's journal: the message that began it and what followed. */
export interface JournalTask {
  readonly task: string;
  readonly seq: number;
  readonly startedAt: number;
  readonly effects: TaskEffect[];
  /** True when its last step was a failed effect outcome or a failure note names it. */
  failed: boolean;
}

const stepOf = (key: string): number => Number(key.slice(0, key.indexOf('/')));

/**
 * @internal The tasks of one actor's journal (the reasoning chain's grouping, without the
 * actors layer): a task begins with a message; an effect belongs to the task of the step that
 * started it (the sequence its ledger key begins with), and its outcome step carries that task on.
 */
export function journalTasks(entries: readonly JournalEntry[]): JournalTask[] {
  const tasks = new Map<string, JournalTask>();
  const taskOfSeq = new Map<number, JournalTask>();
  const taskOfKey = new Map<string, JournalTask>();
  let last: { task: JournalTask; failed: boolean } | undefined;
  const settle = (): void => {
    if (last?.failed === true) last.task.failed = true;
  };
  for (const { seq, event } of entries) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (event.kind === 'message' && typeof data['id'] === 'string') {
      settle();
      const task: JournalTask = {
        task: data['id'],
        seq,
        startedAt: event.at,
        effects: [],
        failed: false,
      };
      tasks.set(task.task, task);
      taskOfSeq.set(seq, task);
      last = { task, failed: false };
    } else if (event.kind === 'effect-outcome' && typeof data['key'] === 'string') {
      const key = data['key'];
      const task = taskOfSeq.get(stepOf(key));
      if (task === undefined) continue;
      const outcome = (data['outcome'] ?? {}) as {
        ok?: unknown;
        output?: { cost?: unknown };
        error?: { code?: unknown };
      };
      const ok = outcome.ok === true;
      const cost = ok && typeof outcome.output?.cost === 'number' ? outcome.output.cost : 0;
      task.effects.push({
        key,
        effect: typeof data['effect'] === 'string' ? data['effect'] : '',
        ok,
        errorCode: typeof outcome.error?.code === 'string' ? outcome.error.code : undefined,
        cost,
        seq,
      });
      taskOfSeq.set(seq, task);
      taskOfKey.set(key.replace(/@\d+$/, ''), task);
      if (last?.task === task) last.failed = !ok;
    } else if (event.kind === 'note') {
      const failedSeq = data['failedSeq'];
      const effectKey = data['effectKey'];
      const bySeq = typeof failedSeq === 'number' ? taskOfSeq.get(failedSeq) : undefined;
      const byKey =
        typeof effectKey === 'string' ? taskOfKey.get(effectKey.replace(/@\d+$/, '')) : undefined;
      for (const task of [bySeq, byKey]) if (task !== undefined) task.failed = true;
    }
  }
  settle();
  return [...tasks.values()];
}

import { ErrorCode, RuntimeError } from '../errors/index.js';
import type { Checkpoint } from './Checkpoint.js';
import type { CheckpointStore } from './CheckpointStore.js';
import type { Journal, JournalEntry } from './Journal.js';

/**
 * A checkpoint to fork a new actor from (time travel): any retained checkpoint of `actor`,
 * optionally with context fields replaced. The original is left untouched; pass the result as
 * `persistence.from = { checkpoint }` to `spawnDurable` under a new name.
 *
 * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND when no such checkpoint is retained.
 */
export async function forkCheckpoint(
  store: CheckpointStore,
  actor: string,
  options: { revision?: number; context?: Record<string, unknown> } = {},
): Promise<Checkpoint> {
  const found =
    options.revision === undefined
      ? await store.latest(actor)
      : await store.get(actor, options.revision);
  if (found === undefined) {
    throw new RuntimeError(
      ErrorCode.ActorNotFound,
      `No checkpoint of ${actor}${options.revision === undefined ? '' : ` at revision ${options.revision}`}`,
      {
        details: { actor, revision: options.revision },
      },
    );
  }
  const { checkpoint } = found;
  if (options.context === undefined) return checkpoint;
  const snapshot = checkpoint.snapshot as { context?: Record<string, unknown> } | undefined;
  return {
    ...checkpoint,
    snapshot: { ...snapshot, context: { ...snapshot?.context, ...options.context } },
  };
}

/** One line of an actor's journal, for people. */
export interface TraceLine {
  readonly seq: number;
  readonly at: number;
  readonly kind: string;
  readonly summary: string;
}

/** Reads an actor's journal as a readable trace: what it received and what its effects did. */
export async function readTrace(
  journal: Journal,
  actor: string,
  afterSeq = 0,
): Promise<TraceLine[]> {
  const entries = await journal.read(actor, afterSeq);
  return entries.map((entry) => ({
    seq: entry.seq,
    at: entry.event.at,
    kind: entry.event.kind,
    summary: summarize(entry),
  }));
}

function summarize(entry: JournalEntry): string {
  const data = entry.event.data as Record<string, unknown> | undefined;
  switch (entry.event.kind) {
    case 'message': {
      const from = typeof data?.['from'] === 'string' ? ` from ${data['from']}` : '';
      return `received ${String(data?.['type'])}${from}: ${short(data?.['payload'])}`;
    }
    case 'effect-intent':
      return `started ${String(data?.['effect'])} ${String(data?.['key'])}: ${short(data?.['input'])}`;
    case 'effect-outcome': {
      const outcome = data?.['outcome'] as
        { ok?: boolean; output?: unknown; error?: unknown } | undefined;
      const ok = outcome?.ok !== false;
      return `${String(data?.['effect'])} ${String(data?.['key'])} ${ok ? 'returned' : 'failed'}: ${short(ok ? outcome?.output : outcome.error)}`;
    }
    case 'state':
    case 'supervisor':
    case 'note':
      return short(data);
    case 'decision':
      return `decided ${short(data?.['decision'])} by ${String(data?.['by'] ?? data?.['decidedBy'])}`;
  }
}

function short(value: unknown): string {
  let text: string;
  try {
    text = stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** JSON.stringify, typed as it behaves: undefined for functions, symbols and undefined. */
function stringify(value: unknown): string | undefined {
  return JSON.stringify(value);
}

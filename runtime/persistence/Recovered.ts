import type { Envelope } from '../codec/index.js';

/** The result of recovery: what to create the actor with and what to replay. */
export interface Recovered {
  readonly snapshot: unknown;
  /** Journaled messages after the checkpoint, to replay in order (their replies suppressed). */
  readonly replay: readonly { readonly seq: number; readonly envelope: Envelope }[];
  /** Effects recorded in the journal (intent/outcome) after the checkpoint, by key. */
  readonly checkpointRevision: number;
  readonly journalSeq: number;
}

/** Options of `Persister.recover`. */
export interface RecoverOptions {
  /**
   * Throws when the machine cannot restore `snapshot` (XState's restore fails, the shape is
   * wrong): that checkpoint is then skipped like a corrupt one and an older one tried.
   */
  readonly validate?: (snapshot: unknown) => void;
}

import type { ContentSource } from './ScreenPolicy.js';

/** What an injection classifier says about a text. */
export interface ClassifierVerdict {
  /** Likelihood of an injection, in `[0, 1]`. */
  readonly score: number;
  /** The classifier's label (`injection`, `benign`, …), for the record. */
  readonly label: string;
}

/** What a classifier is told besides the text. */
export interface ClassifierContext {
  readonly source: ContentSource;
  readonly signal?: AbortSignal;
}

/**
 * A pluggable injection classifier (another model, a fine-tuned detector such as LLM Guard's
 * deberta): its score is combined with the rules'. See `createModelClassifier`.
 */
export type InjectionClassifier = (
  text: string,
  context: ClassifierContext,
) => Promise<ClassifierVerdict>;

/**
 * What an agent's `evaluate(task, result)` returns for one finished task: the shape of OTel's
 * `gen_ai.evaluation.result` event (`gen_ai.evaluation.name`, `score.value`, `score.label`), plus
 * the label the task should have had when the truth is known.
 */
export interface EvaluationResult {
  /** The evaluation's name (`gen_ai.evaluation.name`): a low-cardinality label, e.g. `relevance`. */
  readonly name: string;
  /** The score (`gen_ai.evaluation.score.value`), e.g. in `[0, 1]`. */
  readonly score: number;
  /** The class the agent's answer fell in (`gen_ai.evaluation.score.label`, e.g. `pass`). */
  readonly label?: string | undefined;
  /**
   * The class it should have been (ground truth). With `label`, the evaluation counts toward
   * accuracy, precision, recall and F1.
   */
  readonly expected?: string | undefined;
}

/** Rolling quality figures of one evaluation over its window. */
export interface QualityFigures {
  /** Mean score over the window. */
  readonly score: number;
  /** Labelled outcomes in the window (those with both `label` and `expected`). */
  readonly labelled: number;
  /** Share of labelled outcomes whose label was the expected one; undefined when none. */
  readonly accuracy: number | undefined;
  /** Macro-averaged precision over the classes seen; undefined when none labelled. */
  readonly precision: number | undefined;
  /** Macro-averaged recall over the classes seen. */
  readonly recall: number | undefined;
  /** Macro-averaged F1 over the classes seen. */
  readonly f1: number | undefined;
}

/**
 * The last `size` evaluations of one name, and their rolling figures. Precision,
 * recall and F1 are macro averages over every class that was predicted or expected in the
 * window (for two classes `pass`/`fail`, the mean of both classes' figures); a class never
 * predicted has precision 0, one never expected recall 0.
 */
export class QualityWindow {
  readonly #size: number;
  readonly #entries: EvaluationResult[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Adds one evaluation, dropping the oldest past the window. */
  add(result: EvaluationResult): QualityFigures {
    this.#entries.push(result);
    if (this.#entries.length > this.#size) this.#entries.shift();
    return this.figures();
  }

  /** The figures over the current window. */
  figures(): QualityFigures {
    const entries = this.#entries;
    const score =
      entries.length === 0 ? 0 : entries.reduce((sum, e) => sum + e.score, 0) / entries.length;
    const labelled = entries.filter(
      (e): e is EvaluationResult & { label: string; expected: string } =>
        e.label !== undefined && e.expected !== undefined,
    );
    if (labelled.length === 0) {
      return {
        score,
        labelled: 0,
        accuracy: undefined,
        precision: undefined,
        recall: undefined,
        f1: undefined,
      };
    }
    const classes = new Set(labelled.flatMap((e) => [e.label, e.expected]));
    let precision = 0;
    let recall = 0;
    let f1 = 0;
    for (const c of classes) {
      const tp = labelled.filter((e) => e.label === c && e.expected === c).length;
      const predicted = labelled.filter((e) => e.label === c).length;
      const actual = labelled.filter((e) => e.expected === c).length;
      const p = predicted === 0 ? 0 : tp / predicted;
      const r = actual === 0 ? 0 : tp / actual;
      precision += p;
      recall += r;
      f1 += p + r === 0 ? 0 : (2 * p * r) / (p + r);
    }
    const correct = labelled.filter((e) => e.label === e.expected).length;
    return {
      score,
      labelled: labelled.length,
      accuracy: correct / labelled.length,
      precision: precision / classes.size,
      recall: recall / classes.size,
      f1: f1 / classes.size,
    };
  }
}

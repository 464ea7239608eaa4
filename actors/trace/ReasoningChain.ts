import type { WireError } from 'agentvisor';

/** Token usage an effect's outcome reported (model calls). */
export interface StepUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a model call's recorded outcome says about how it was answered. */
export interface ModelCallFacts {
  /** The declared model (`model:<name>` effect). */
  readonly declared: string;
  /** The model that answered (the response's `model`). */
  readonly model: string | undefined;
  /** The endpoint (client name) that answered; another than the first of the chain is a fallback. */
  readonly endpoint: string | undefined;
  readonly strategy: 'normal' | 'degraded' | undefined;
  readonly degradedBy: unknown;
  readonly finishReason: string | undefined;
  /** Tool calls the model asked for. */
  readonly toolCalls: readonly { readonly id: string; readonly name: string }[];
}

/** One effect started by a step, and what became of it. */
export interface ReasoningEffect {
  /** The ledger key (`<step seq>/<invoke id>`, `@<n>` for attempt n ≥ 2). */
  readonly key: string;
  /** The journaled effect name: `model:<name>`, `tool:<name>`, `human`. */
  readonly effect: string;
  readonly type: 'model' | 'tool' | 'human' | 'other';
  /** Model or tool name (the part after `model:` / `tool:`), else the effect name. */
  readonly name: string;
  /** Ledger attempt: 1, or n for a re-run after a recorded failure failed the actor (`@n`). */
  readonly attempt: number;
  readonly intentSeq: number;
  readonly startedAt: number;
  /** `uncertain`: started, no recorded outcome (in flight, or a crash mid-effect). */
  readonly status: 'ok' | 'failed' | 'uncertain';
  readonly outcomeSeq: number | undefined;
  readonly endedAt: number | undefined;
  readonly durationMs: number | undefined;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: WireError | undefined;
  /** The failure class of a failed outcome (`details.failureClass`, else the error code). */
  readonly failureClass: string | undefined;
  readonly model: ModelCallFacts | undefined;
  readonly usage: StepUsage | undefined;
  readonly cost: number | undefined;
  /** Screening verdicts or repairs the outcome carries (`output.screening` / `output.repairs`), where journaled. */
  readonly screening: unknown;
  readonly repairs: unknown;
}

/** The event a step delivered to the machine. */
export type ReasoningEvent =
  | {
      readonly kind: 'message';
      readonly id: string;
      readonly type: string;
      readonly from: string | undefined;
      readonly payload: unknown;
      readonly traceparent: string | undefined;
    }
  | {
      readonly kind: 'effect-outcome';
      /** Key of the effect whose outcome this is. */
      readonly key: string;
      readonly effect: string;
      readonly ok: boolean;
    };

/** What replaying the step through the agent's machine showed (with `logic`). */
export interface StepTransition {
  readonly stateBefore: unknown;
  readonly stateAfter: unknown;
  /** Targets of the transitions taken (XState microsteps). */
  readonly targets: readonly string[];
  /** Guards of the transitions taken, where XState's inspection exposes them. */
  readonly guards: readonly string[];
}

/** One step: a message or an effect outcome the machine received, and the effects it started. */
export interface ReasoningStep {
  /** Journal sequence of the step's event. */
  readonly seq: number;
  /** Wall time of the event, epoch ms. */
  readonly at: number;
  /** The task (id of the message that began it) this step belongs to. */
  readonly task: string;
  readonly event: ReasoningEvent;
  /** Effects this step started, in journal order. */
  readonly effects: readonly ReasoningEffect[];
  /** With `logic`: state before, transition taken, state after. */
  readonly transition?: StepTransition;
}

/** A journal note (failure markers, recovery fences). */
export interface ReasoningNote {
  readonly seq: number;
  readonly at: number;
  readonly data: unknown;
}

/** Totals of one task. */
export interface TaskSummary {
  readonly task: string;
  /** Journal sequence of the message that began it. */
  readonly seq: number;
  readonly startedAt: number;
  /** Time of its last journaled event. */
  readonly endedAt: number;
  readonly steps: number;
  readonly modelCalls: number;
  readonly toolCalls: number;
  readonly failedEffects: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
}

/** The reasoning chain of one actor, read from its journal. */
export interface ReasoningChain {
  readonly actor: string;
  readonly steps: readonly ReasoningStep[];
  readonly tasks: readonly TaskSummary[];
  readonly notes: readonly ReasoningNote[];
}

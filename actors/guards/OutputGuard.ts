import { z } from 'zod';
import {
  classifyFailure,
  ErrorCode,
  formatPath,
  isRuntimeError,
  messageOf,
  parseOptions,
  RuntimeError,
} from 'agentvisor/internal';
import type {
  ModelClient,
  ModelRequest,
  ModelResponse,
  ResponseFormat,
  TokenUsage,
} from '../models/index.js';
import { isZodSchema } from '../internal/isZodSchema.js';
import { readStructured } from './internal/readStructured.js';
import { clip, describeIssues, repairRequest } from './internal/repairRequest.js';

/** One reason an answer was rejected: where in the value (`items[2].price`, '' for the root) and what. */
export interface OutputIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A check the schema cannot express (a total that must equal the sum of its lines, a date in the
 * future): returns the issues it finds, none when the value is fine. It runs only on values the
 * schema accepted. A validator that throws is a bug and fails the call as such.
 */
export type SemanticValidator<TValue> = (value: TValue) => readonly OutputIssue[];

/** How the guard calls the model: `client.complete`, or the same call through a resilience pipeline. */
export type ModelCall = (
  request: ModelRequest,
  options: { signal?: AbortSignal },
) => Promise<ModelResponse>;

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of {@link createOutputGuard}, validated at creation. */
export const OutputGuardOptionsSchema = z.strictObject({
  /** The zod schema the answer must match. */
  schema: z.custom<z.ZodType>(isZodSchema, { error: 'expected a zod schema' }),
  /** Semantic checks run, in order, on a value the schema accepted. @default [] */
  validators: z
    .array(z.custom<SemanticValidator<unknown>>(isFunction, { error: 'expected a function' }))
    .readonly()
    .default([]),
  /**
   * Repair requests after the first answer; the model is asked at most `maxRepairs + 1` times
   * (guardrails-ai's `num_reasks`; the Vercel AI SDK repairs once). @default 2
   */
  maxRepairs: z.number().int().min(0).max(10).default(2),
  /** Issues listed in a repair prompt; the rest are counted. @default 10 */
  maxIssues: z.number().int().min(1).max(100).default(10),
  /** Characters of the rejected answer quoted back in a repair prompt. @default 4_000 */
  maxAnswerChars: z.number().int().min(100).max(100_000).default(4_000),
});

/** What callers pass to {@link createOutputGuard}. */
export interface OutputGuardOptions<TSchema extends z.ZodType = z.ZodType> {
  schema: TSchema;
  validators?: readonly SemanticValidator<z.output<TSchema>>[];
  maxRepairs?: number;
  maxIssues?: number;
  maxAnswerChars?: number;
}

/** One model call of a guarded completion, as recorded in the result or the error. */
export interface OutputAttempt {
  /** 1 for the first call; repairs are 2, 3, … */
  readonly attempt: number;
  readonly outcome: 'valid' | 'invalid';
  /** Why the answer was rejected; empty when it was valid. */
  readonly issues: readonly OutputIssue[];
  /** The model that answered, when it did answer. */
  readonly model: string | undefined;
  readonly usage: TokenUsage;
  /** The start of the answer's text (bounded by `maxAnswerChars`), for timelines and errors. */
  readonly answer: string;
}

/** Reported after each call of a guarded completion (for a timeline: "invalid", "repaired"). */
export interface OutputAttemptEvent extends OutputAttempt {
  /** A valid answer that needed at least one repair. */
  readonly repaired: boolean;
  /** No further call follows: the answer was valid or the repairs are used up. */
  readonly final: boolean;
}

/** Per-call options of {@link OutputGuard.complete}. */
export interface GuardedCallOptions {
  /** Aborts the current call and any repair; the completion rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Called after each model call, valid or not. A listener that throws does not stop the guard. */
  readonly onAttempt?: (event: OutputAttemptEvent) => void;
}

/** A validated answer and what it took to get it. */
export interface GuardedOutput<TValue> {
  readonly value: TValue;
  /** The response that passed. */
  readonly response: ModelResponse;
  /** Model calls made, the first included. */
  readonly attempts: number;
  /** Repair requests made: `attempts - 1`. */
  readonly repairs: number;
  /** Tokens of every call, rejected ones included. */
  readonly usage: TokenUsage;
  /** Cost in USD of every call, when the client reports costs. */
  readonly cost?: number;
  readonly history: readonly OutputAttempt[];
}

/** The verdict of {@link OutputGuard.validate}. */
export type OutputVerdict<TValue> =
  | { readonly ok: true; readonly value: TValue }
  | { readonly ok: false; readonly issues: readonly OutputIssue[] };

/**
 * Validates a model's structured output against a zod schema and semantic validators, and asks
 * the model to repair a rejected answer (the guardrails-ai `REASK` action): the original request,
 * the bad answer and its issues (bounded in size) go back to the model, up to `maxRepairs` times.
 * What is still invalid then fails with `ERR_INVALID_OUTPUT`, failure class `invalid-output`, for
 * the supervisor to handle.
 */
export class OutputGuard<TValue> {
  readonly #schema: z.ZodType;
  /** The schema's JSON Schema, computed on first use; `null` when it has no JSON Schema form. */
  #jsonSchema: Record<string, unknown> | null | undefined;
  readonly #validators: readonly SemanticValidator<unknown>[];
  readonly #config: z.output<typeof OutputGuardOptionsSchema>;

  /** @internal Use {@link createOutputGuard}. */
  constructor(config: z.output<typeof OutputGuardOptionsSchema>) {
    this.#config = config;
    this.#schema = config.schema;
    this.#validators = config.validators;
  }

  /** Repair requests after the first answer. */
  get maxRepairs(): number {
    return this.#config.maxRepairs;
  }

  /**
   * The `json_schema` response format of this guard's schema, to put in the request so the
   * provider constrains the answer (zod's JSON Schema, computed once; parts JSON Schema cannot
   * express are left open and still checked by the guard). A schema zod cannot convert at all
   * (e.g. a transform at its root) asks for `json_object`: any JSON, checked by the guard.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `name` is not 1–64 of `[a-zA-Z0-9_-]` (the
   *   providers' rule).
   */
  responseFormat(name: string, options: { strict?: boolean } = {}): ResponseFormat {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `Expected \`name\` to be 1-64 characters of [a-zA-Z0-9_-], got ${JSON.stringify(name)}`,
        {
          details: { what: 'response format', issues: [{ path: 'name', message: 'invalid name' }] },
        },
      );
    }
    if (this.#jsonSchema === undefined) {
      try {
        this.#jsonSchema = z.toJSONSchema(this.#schema, { unrepresentable: 'any' });
      } catch {
        this.#jsonSchema = null;
      }
    }
    const schema = this.#jsonSchema;
    if (schema === null) return { type: 'json_object' };
    return {
      type: 'json_schema',
      name,
      schema,
      ...(options.strict === undefined ? {} : { strict: options.strict }),
    };
  }

  /** Checks a value (already parsed) against the schema, then the semantic validators. */
  validateValue(raw: unknown): OutputVerdict<TValue> {
    const parsed = this.#schema.safeParse(raw);
    if (!parsed.success) {
      return {
        ok: false,
        issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      };
    }
    const issues = this.#validators.flatMap((validate) => validate(parsed.data));
    return issues.length === 0
      ? { ok: true, value: parsed.data as TValue }
      : { ok: false, issues: issues.map((i) => ({ path: i.path, message: i.message })) };
  }

  /** Reads the structured value of a response (its `output`, or its text as JSON) and checks it. */
  validate(response: ModelResponse): OutputVerdict<TValue> {
    const structured = readStructured(response);
    if (!structured.ok) return { ok: false, issues: [{ path: '', message: structured.message }] };
    return this.validateValue(structured.value);
  }

  /**
   * Calls the model and returns its validated answer, repairing rejected answers.
   *
   * Errors of the call itself are not this guard's to handle and propagate unchanged (retries
   * belong to the resilience pipeline the `call` may go through), except an unusable answer
   * (`ERR_MODEL_OUTPUT` of class `invalid-output`, e.g. malformed JSON): that one is repaired too.
   *
   * @throws {RuntimeError} ERR_INVALID_OUTPUT (`details.failureClass` `invalid-output`,
   *   `details.attempts`) when the answer is still invalid after `maxRepairs` repairs.
   * @throws `signal.reason` when aborted; any other error of `call` as it was.
   */
  async complete(
    call: ModelCall | ModelClient,
    request: ModelRequest,
    options: GuardedCallOptions = {},
  ): Promise<GuardedOutput<TValue>> {
    const { signal, onAttempt } = options;
    const invoke: ModelCall =
      typeof call === 'function' ? call : (req, opts) => call.complete(req, opts);
    const { maxRepairs, maxAnswerChars } = this.#config;
    const history: OutputAttempt[] = [];
    const usage = { inputTokens: 0, outputTokens: 0 };
    let cost: number | undefined;
    let next = request;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxRepairs + 1; attempt++) {
      if (signal?.aborted === true) throw signal.reason;
      const final = attempt === maxRepairs + 1;
      let response: ModelResponse;
      try {
        response = await invoke(next, signal === undefined ? {} : { signal });
      } catch (error) {
        if (!isRepairable(error)) throw error;
        // The client could not even parse the answer: there is no text to quote back.
        lastError = error;
        const issues = [{ path: '', message: messageOf(error) }];
        const record = recordOf(attempt, issues, undefined, undefined, maxAnswerChars);
        history.push(record);
        report(onAttempt, { ...record, repaired: false, final });
        next = repairRequest(request, undefined, issues, this.#config);
        continue;
      }
      usage.inputTokens += response.usage.inputTokens;
      usage.outputTokens += response.usage.outputTokens;
      if (response.cost !== undefined) cost = (cost ?? 0) + response.cost;
      const verdict = this.validate(response);
      const issues = verdict.ok ? [] : verdict.issues;
      const record = recordOf(attempt, issues, response.model, response, maxAnswerChars);
      history.push(record);
      report(onAttempt, {
        ...record,
        repaired: verdict.ok && attempt > 1,
        final: verdict.ok || final,
      });
      if (verdict.ok) {
        return {
          value: verdict.value,
          response,
          attempts: attempt,
          repairs: attempt - 1,
          usage: { ...usage },
          ...(cost === undefined ? {} : { cost }),
          history,
        };
      }
      lastError = undefined;
      next = repairRequest(request, answerText(response), issues, this.#config);
    }
    throw exhausted(history, usage, this.#config.maxIssues, lastError);
  }
}

/**
 * An output guard for `options.schema`: validation, semantic validators and bounded repair.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is malformed (not a zod schema, a
 *   validator that is not a function, `maxRepairs` outside 0–10).
 * @example
 * const guard = createOutputGuard({
 *   schema: z.object({ total: z.number(), lines: z.array(z.number()) }),
 *   validators: [(v) => (sum(v.lines) === v.total ? [] : [{ path: 'total', message: 'must equal the sum of lines' }])],
 * });
 * const { value, repairs } = await guard.complete(model, request, { signal });
 */
export function createOutputGuard<TSchema extends z.ZodType>(
  options: OutputGuardOptions<TSchema>,
): OutputGuard<z.output<TSchema>> {
  return new OutputGuard(parseOptions(OutputGuardOptionsSchema, options, 'output guard'));
}

/**
 * One guarded completion: `createOutputGuard(guard).complete(call, request, options)`.
 *
 * @throws {RuntimeError} ERR_INVALID_OUTPUT when repairs are used up; ERR_INVALID_OPTIONS when
 *   `guard` is malformed; see {@link OutputGuard.complete}.
 */
export function completeWithRepair<TSchema extends z.ZodType>(
  call: ModelCall | ModelClient,
  request: ModelRequest,
  guard: OutputGuardOptions<TSchema>,
  options: GuardedCallOptions = {},
): Promise<GuardedOutput<z.output<TSchema>>> {
  return createOutputGuard(guard).complete(call, request, options);
}

// --- internals ---

/** An answer the client could not use (malformed JSON): repairable. A refusal (`safety`) is not. */
function isRepairable(error: unknown): boolean {
  return (
    isRuntimeError(error, ErrorCode.ModelOutput) && classifyFailure(error) === 'invalid-output'
  );
}

/** The answer as the model wrote it: its text, or its parsed output put back into JSON. */
function answerText(response: ModelResponse): string {
  if (response.text !== '') return response.text;
  if (response.output !== undefined) return JSON.stringify(response.output);
  return JSON.stringify({ toolCalls: response.toolCalls ?? [] });
}

function recordOf(
  attempt: number,
  issues: readonly OutputIssue[],
  model: string | undefined,
  response: ModelResponse | undefined,
  maxAnswerChars: number,
): OutputAttempt {
  return {
    attempt,
    outcome: issues.length === 0 ? 'valid' : 'invalid',
    issues,
    model,
    usage: response?.usage ?? { inputTokens: 0, outputTokens: 0 },
    answer: response === undefined ? '' : clip(answerText(response), maxAnswerChars),
  };
}

/** Calls the listener; its error is reported on its own (never swallowed) and the guard goes on. */
function report(
  listener: ((event: OutputAttemptEvent) => void) | undefined,
  event: OutputAttemptEvent,
): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

function exhausted(
  history: readonly OutputAttempt[],
  usage: TokenUsage,
  maxIssues: number,
  cause: unknown,
): RuntimeError {
  const last = history.at(-1);
  return new RuntimeError(
    ErrorCode.InvalidOutput,
    `Model output still invalid after ${history.length} attempt(s):\n${describeIssues(last?.issues ?? [], maxIssues)}`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: {
        failureClass: 'invalid-output',
        attempts: history.length,
        history,
        usage: { ...usage },
      },
    },
  );
}

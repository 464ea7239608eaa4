import type { z } from 'zod';
import type { BudgetSnapshot } from 'agentvisor/internal';
import type { ModelRequest, ModelResponse } from '../models/index.js';
import type { DegradeTrigger, ToolResilienceSchema } from './AgentResilienceOptions.js';

/** What the `model` effect delivers: the answer, and which strategy and endpoint gave it. */
export interface ModelOutput extends ModelResponse {
  /** `degraded` when the degraded strategy answered; keep it in context to stay degraded. */
  readonly strategy: 'normal' | 'degraded';
  /** What switched to the degraded strategy. */
  readonly degradedBy?: DegradeTrigger;
  /** The endpoint (client name) that answered. */
  readonly endpoint: string;
  /**
   * What the task has spent after this call, when the agent has a budget: keep it in context and
   * pass it back as `budgetSpent`, so a restored agent does not forget what was spent before its
   * checkpoint.
   */
  readonly budget?: BudgetSnapshot;
}

/** A tool as the resilience layer sees it. */
export interface ResilientTool {
  readonly input: z.ZodType;
  readonly description?: string | undefined;
  readonly idempotent?: boolean | undefined;
  readonly resilience?: z.input<typeof ToolResilienceSchema> | undefined;
}

/** One model call, planned before it runs (what is journaled as its intent). */
export interface ModelCallPlan {
  /** The declared model. */
  readonly model: string;
  readonly request: ModelRequest;
  readonly task: string;
  /** Task deadline, epoch ms. */
  readonly deadline: number | undefined;
  /** The machine says the task is already degraded (from a previous output). */
  readonly degraded: boolean;
  /** What the machine says the task has spent (from a previous output). */
  readonly spent?: BudgetSnapshot | undefined;
}

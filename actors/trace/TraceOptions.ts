import type { Tracer } from '@opentelemetry/api';

/** How agentvisor turns a journal into OpenTelemetry spans (live and in exportTrace). */
export interface TraceOptions {
  /** Where spans go. @default trace.getTracer('agentvisor') (a no-op without an SDK) */
  readonly tracer?: Tracer | undefined;
  /** `gen_ai.agent.name` and the `invoke_agent {agent}` span name. @default the actor name */
  readonly agent?: string | undefined;
  /** `gen_ai.agent.version`. @default none */
  readonly agentVersion?: string | number | undefined;
  /** `agentvisor.node`: the node that ran the actor. @default none */
  readonly node?: string | undefined;
  /** `gen_ai.provider.name` of a model endpoint (client name). @default the endpoint name */
  readonly provider?: ((endpoint: string) => string) | undefined;
  /**
   * Record prompt and completion content (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`) as JSON strings. @default false
   */
  readonly captureContent?: boolean | undefined;
}

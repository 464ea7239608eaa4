import type { ReasoningChain, ReasoningEffect, ReasoningStep } from './ReasoningChain.js';

/**
 * The reasoning chain as text, one line per step and one indented line per effect it started
 * (what `agentvisor trace <actor>` prints). Times are ISO-8601 UTC from the journal.
 */
export function formatReasoningChain(chain: ReasoningChain): string {
  const lines = [`reasoning chain of ${chain.actor}: ${chain.steps.length} steps`];
  for (const task of chain.tasks) {
    lines.push(
      `task ${task.task}: ${task.steps} steps, ${task.modelCalls} model calls, ${task.toolCalls} tool calls, ` +
        `${task.failedEffects} failed, tokens ${task.inputTokens} in / ${task.outputTokens} out, ` +
        `cost ${task.cost}, ${task.endedAt - task.startedAt} ms`,
    );
    for (const step of chain.steps.filter((s) => s.task === task.task)) {
      lines.push(`  ${stepLine(step)}`);
      for (const effect of step.effects) lines.push(`      ${effectLine(effect)}`);
    }
  }
  for (const note of chain.notes) lines.push(`note #${note.seq}: ${JSON.stringify(note.data)}`);
  return lines.join('\n');
}

function stepLine(step: ReasoningStep): string {
  const at = new Date(step.at).toISOString();
  const event =
    step.event.kind === 'message'
      ? `message ${step.event.type} (${step.event.id})`
      : `outcome of ${step.event.effect} ${step.event.ok ? 'ok' : 'failed'}`;
  const transition =
    step.transition === undefined
      ? ''
      : ` ${JSON.stringify(step.transition.stateBefore)} → ${JSON.stringify(step.transition.stateAfter)}`;
  return `#${step.seq} ${at} ${event}${transition}`;
}

function effectLine(effect: ReasoningEffect): string {
  const parts = [`→ ${effect.effect} [${effect.key}] ${effect.status}`];
  if (effect.attempt > 1) parts.push(`attempt ${effect.attempt}`);
  if (effect.durationMs !== undefined) parts.push(`${effect.durationMs} ms`);
  const model = effect.model;
  if (model?.endpoint !== undefined) parts.push(`endpoint ${model.endpoint}`);
  if (model?.model !== undefined) parts.push(`model ${model.model}`);
  if (model?.strategy === 'degraded') parts.push('degraded');
  if (model?.finishReason !== undefined) parts.push(`finish ${model.finishReason}`);
  if (effect.usage !== undefined)
    parts.push(`tokens ${effect.usage.inputTokens}/${effect.usage.outputTokens}`);
  if (effect.cost !== undefined) parts.push(`cost ${effect.cost}`);
  if (effect.failureClass !== undefined)
    parts.push(`error ${effect.failureClass}: ${effect.error?.message ?? ''}`);
  return parts.join(', ');
}

import type { Envelope } from 'agentvisor/internal';
import type { Escalation, HumanDecision } from '../escalation/index.js';
import type { FailureClass } from '../failureClasses.js';
import type { ChildRecord } from './ChildRecord.js';
import { decideParked, errorChain } from './decideParked.js';
import { endChild } from './endChild.js';
import { journalDecision } from './journalDecision.js';
import type { SupervisorCore } from './SupervisorCore.js';

/**
 * The child waits for a person: not restarted, its messages held, an escalation opened with what
 * a person needs to decide (error chain, restart history, last good state, recent messages).
 */
export async function parkChild(
  core: SupervisorCore,
  child: ChildRecord,
  failureClass: FailureClass,
  error: unknown,
  message: Envelope | undefined,
): Promise<void> {
  const { system, escalations } = core.deps;
  child.status = 'parked';
  const info = system.describe(child.name);
  const lastGood = info === undefined ? undefined : system.lastGoodSnapshot(child.name);
  const record = await escalations.open(
    {
      supervisor: core.name,
      child: {
        id: child.spec.id,
        name: child.name,
        incarnation: child.incarnation,
        spec: child.spec,
      },
      failureClass,
      errorChain: errorChain(error),
      restartHistory: wallTimes(core),
      lastCheckpoint:
        lastGood === undefined ? undefined : { kind: 'last-good-snapshot', snapshot: lastGood },
      lastMessages: info === undefined ? [] : system.recentMessages(child.name),
      ...(message === undefined ? {} : { failedMessage: message }),
      defaultDecision: core.spec.human.default,
      deadlineMs: core.spec.human.deadlineMs,
    },
    (escalation, decision) => core.serial(() => applyDecision(core, child, escalation, decision)),
  );
  child.escalation = record.id;
  core.emit({
    type: 'child-parked',
    child: child.spec.id,
    incarnation: child.incarnation,
    escalation: record.id,
  });
}

/**
 * The restarts of the intensity window in wall ms (epoch): the history is monotonic, which means
 * nothing to a person reading the record, to another process or after a restart.
 */
function wallTimes(core: SupervisorCore): number[] {
  const { clock } = core.deps;
  const mono = clock.monotonic();
  const wall = clock.now();
  return core.history.map((t) => Math.round(wall - (mono - t)));
}

/**
 * A child restored parked (its supervisor's snapshot named an escalation): when the escalation is
 * still open in the store, the child stays parked and the escalation is bound to it again, so the
 * decision, or the deadline's default, acts on it. Returns false when the escalation is gone or
 * decided: the child then starts as usual.
 */
export async function reparkChild(core: SupervisorCore, child: ChildRecord): Promise<boolean> {
  const id = child.escalation;
  child.escalation = undefined;
  if (id === undefined) return false;
  const record = await core.deps.escalations.rebind(id, (escalation, decision) =>
    core.serial(() => applyDecision(core, child, escalation, decision)),
  );
  // Open, or resolved while nobody held the child: its decision is applied after this returns.
  if (record === undefined) return false;
  child.status = 'parked';
  child.escalation = id;
  return true;
}

/** Acts on a person's (or the deadline's) decision about a parked child. */
export async function applyDecision(
  core: SupervisorCore,
  child: ChildRecord,
  escalation: Escalation,
  decision: HumanDecision,
): Promise<void> {
  core.emit({
    type: 'escalation-decided',
    child: child.spec.id,
    escalation: escalation.id,
    decision: decision.type,
    decidedBy: escalation.resolution?.decidedBy ?? 'human',
  });
  if (!core.isRunning() || child.status !== 'parked' || !core.children.includes(child)) return;
  child.escalation = undefined;
  const journal = core.deps.persistence?.journal;
  if (journal !== undefined) {
    try {
      await journalDecision(journal, child.name, escalation, decision);
    } catch (err) {
      // The decision stands (it is in the escalation record); its journal copy is lost.
      core.deps.logger.error({ err, escalation: escalation.id }, 'decision journal entry failed');
    }
  }
  const action = decideParked(escalation, decision);
  if (action.type === 'stop') {
    await endChild(core, child);
    return;
  }
  await core.startChild(child, action.from);
  if (action.reply !== undefined) core.reply(action.reply.to, action.reply.payload);
}

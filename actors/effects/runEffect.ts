import { failedOutcome, uncertainEffect, type ActorContext } from 'agentvisor/internal';

/** How an effect behaves when it may have run before a crash. */
export interface EffectSafety {
  /** Safe to run again with the same idempotency key (e.g. a model call, a PUT by key). */
  readonly idempotent: boolean;
  /**
   * Tells whether an uncertain run happened (looked up by its idempotency key): `done` with
   * its output, or not done (then it runs).
   */
  readonly verify?: (
    idempotencyKey: string,
  ) => Promise<{ done: true; output: unknown } | { done: false }>;
  /**
   * Write a checkpoint before running (the "before an uncertain side effect" trigger), so the
   * state that led to it is on disk however the call ends. @default true when not idempotent
   */
  readonly checkpointBefore?: boolean;
}

/**
 * Runs one effect through the actor's ledger (DESIGN.md "Effects and the ledger"):
 * a recorded outcome is returned without running anything; an intent with no outcome (a crash
 * mid-effect) is re-run when idempotent, verified when it can be, else refused with
 * ERR_UNCERTAIN_EFFECT (failure class `uncertain-effect`: a person decides); otherwise the intent
 * is recorded, the effect runs with an idempotency key derived from actor and effect key, and
 * its outcome is recorded before it is delivered. Actors that are not durable just run it.
 */
export async function runEffect<TOutput>(
  self: ActorContext,
  childId: string,
  effect: string,
  input: unknown,
  safety: EffectSafety,
  run: (idempotencyKey: string) => Promise<TOutput>,
): Promise<TOutput> {
  const ledger = self.ledger;
  if (ledger === undefined) return run(`${self.name}/${self.incarnation}/${childId}`);
  const key = ledger.keyFor(childId);
  const idempotencyKey = `${self.name}/${key}`;
  const recorded = ledger.lookup(key);
  if (recorded.state === 'done') {
    // During recovery, wait until the replay reaches this outcome's place in the journal; the
    // ledger counts it as on its way to the machine until the machine took it (effects settled).
    await ledger.whenReplayed(recorded.outcomeSeq, childId);
    ledger.step = recorded.outcomeSeq;
    if (!recorded.outcome.ok) throw ledger.failure(key, recorded.outcome.error);
    return recorded.outcome.output as TOutput;
  }
  if (recorded.state === 'uncertain') {
    if (safety.verify !== undefined) {
      const verified = await safety.verify(idempotencyKey);
      if (verified.done) {
        ledger.step = await ledger.outcome(childId, key, effect, {
          ok: true,
          output: verified.output,
        });
        return verified.output as TOutput;
      }
    } else if (!safety.idempotent) {
      throw uncertainEffect(effect, key, self.name);
    }
  }
  if (safety.checkpointBefore ?? !safety.idempotent) await self.checkpoint();
  await ledger.intent(childId, key, effect, input);
  let output: TOutput;
  try {
    output = await run(idempotencyKey);
  } catch (err) {
    const outcome = failedOutcome(err);
    ledger.step = await ledger.outcome(childId, key, effect, outcome);
    // The machine sees the error as a replay would rebuild it (its wire form), so a branch on
    // it takes the same path live and after a restore.
    throw ledger.failure(key, outcome.error);
  }
  ledger.step = await ledger.outcome(childId, key, effect, { ok: true, output });
  return output;
}

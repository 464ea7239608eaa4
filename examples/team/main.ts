/**
 * agentvisor, the team example: the embedded default (one process, in-process transport,
 * simulated models, no server, no API key).
 *
 * It shows: agents as XState machines hosted as actors under a supervision tree read from
 * desk.yaml; a coordinator that asks two workers in parallel; deadlines that travel with a task
 * and cut it short; messages that fail their schema refused before any machine sees them; a busy
 * agent reporting what it cannot handle; dead letters for what reached no one; a worker crash that
 * restarts its whole one-for-all team after a backoff while a message waits for it; and an
 * authentication failure escalated to a person, who decides, and the agent carries on; a durable
 * agent resumed after a crash; and an analyst that survives its models (retries, breakers,
 * fallbacks, guards, a degraded strategy). It prints a timeline and a summary, and exits 0.
 */
import {
  createActorSystem,
  createLogger,
  isRuntimeError,
  metricValue,
  systemClock,
  type DeadLetter,
  type Envelope,
} from 'agentvisor';
import { createSimulatedModel } from 'agentvisor/actors';
import { createSupervisionTree, loadPolicyFile, withFailureClass } from 'agentvisor/supervisors';
import { coordinator, publisher, worker } from './agents.js';
import { crashAndResume } from './crashResume.js';
import { resilienceStory } from './resilience.js';

const clock = systemClock;
const start = clock.monotonic();
const lines: string[] = [];
const at = () => `+${String(Math.round(clock.monotonic() - start)).padStart(5)} ms`;
const note = (who: string, what: string) => {
  const line = `${at()}  ${who.padEnd(12)} ${what}`;
  lines.push(line);
  console.log(line);
};

console.log('agentvisor team example: a coordinator asks a researcher and a critic in parallel\n');

const system = createActorSystem(
  { namespace: 'team-example' },
  { clock, logger: createLogger({ level: process.env['AGENTVISOR_LOG_LEVEL'] ?? 'silent' }) },
);

// --- what to watch: every delivered message, lifecycle event and dead letter ---
const show = (value: unknown) => {
  const text = (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
};
system.onMessage((actor, e: Envelope) => {
  note(actor, `<- ${e.type}${e.from === undefined ? '' : ` from ${e.from}`}  ${show(e.payload)}`);
});
system.onLifecycle((e) => {
  note(e.name, `${e.type} (incarnation ${e.incarnation})`);
});
const deadLetters: DeadLetter[] = [];
system.deadLetters.subscribe((d) => {
  deadLetters.push(d);
  note(
    'dead-letter',
    `${d.reason}: ${d.envelope?.type ?? '(bytes)'} for ${d.to} [${d.error.code}]`,
  );
});

// --- the team: deterministic simulated models (seeded), so every run tells the same story ---
const researcherModel = createSimulatedModel({
  name: 'sim-researcher',
  seed: 11,
  latencyMs: [40, 90],
  script: ({ messages }) => {
    const question = messages.at(-1)?.content ?? '';
    // A model glitch the researcher cannot parse: it crashes on it (see agents.ts).
    return question.includes('(garbled)')
      ? '!%$# garbled'
      : `evidence on "${question}" from 3 sources`;
  },
});
const criticModel = createSimulatedModel({
  name: 'sim-critic',
  seed: 23,
  latencyMs: [30, 70],
  script: ({ messages }) => `weakest point of "${messages.at(-1)?.content ?? ''}" is sample size`,
});
// The external channel the publisher posts to; its key gets revoked mid-run.
let keyValid = true;
let posts = 0;
const post = (text: string): Promise<string> => {
  if (!keyValid) {
    return Promise.reject(withFailureClass(new Error('401: API key revoked'), 'auth'));
  }
  posts++;
  note('channel', `posted "${text.slice(0, 40)}"`);
  return Promise.resolve(`https://channel.example/posts/${posts}`);
};

// --- the tree: policy as data, agents by name ---
const policy = await loadPolicyFile(new URL('./desk.yaml', import.meta.url).pathname);
const tree = await createSupervisionTree(system, policy, {
  agents: {
    coordinator,
    publisher: publisher(post),
    researcher: worker('researcher', 'researcher', researcherModel),
    critic: worker('critic', 'critic', criticModel),
  },
});
tree.onEvent((e) => {
  switch (e.type) {
    case 'child-failed':
      note(
        'supervisor',
        `${e.supervisor}: ${e.child} failed (${e.failureClass}) -> ${e.directive}`,
      );
      return;
    case 'restart-scheduled':
      note('supervisor', `${e.supervisor}: restart [${e.targets.join(', ')}] in ${e.delayMs} ms`);
      return;
    case 'child-stopped':
      note('supervisor', `${e.supervisor}: stopped ${e.child} (${e.how})`);
      return;
    case 'child-parked':
      note('supervisor', `${e.supervisor}: parked ${e.child}, escalation ${e.escalation} opened`);
      return;
    case 'escalation-decided':
      note('supervisor', `${e.supervisor}: ${e.child} decision "${e.decision}" by ${e.decidedBy}`);
      return;
    case 'gave-up':
      note('supervisor', `${e.supervisor}: gave up`);
      return;
    case 'child-started':
    case 'child-exited':
    case 'auto-shutdown':
      return;
  }
});

async function task(question: unknown, timeoutMs = 2_000): Promise<void> {
  note('main', `ask coordinator team.task ${show(question)} (timeout ${timeoutMs} ms)`);
  try {
    const answer = (await system.ask(
      'coordinator',
      'team.task',
      { question },
      { from: 'main', timeoutMs },
    )) as {
      answer: string;
      tokens: number;
    };
    note('main', `answer: ${answer.answer} (${answer.tokens} tokens)`);
  } catch (err) {
    note('main', `refused: ${isRuntimeError(err) ? err.code : String(err)}`);
  }
}

// 1. Two tasks, one after the other: both workers answer each in parallel.
await task('Does remote work raise productivity?');
await task('Is caching worth it for LLM calls?');

// 2. A second task while the coordinator is busy: its current state has no transition for it,
//    so the sender learns at once (ERR_UNHANDLED) instead of waiting for a deadline.
await Promise.all([task('What is the best vector index?'), task('Should agents share memory?')]);

// 3. A task that fails its schema (question too long) never reaches the machine.
await task('x'.repeat(300));

// 4. A deadline shorter than the models' latency: the deadline travels in the envelope, the
//    coordinator's asks inherit it, and the task fails with ERR_TIMEOUT.
await task('Summarise every paper on agents', 25);
// Let the late worker replies arrive (they find no asker left: dead letters do not apply to
// replies, the transport just drops a reply whose request has ended).
await new Promise<void>((resolve) => clock.setTimeout(resolve, 120));

// 5. A message to an actor that does not exist goes to dead letters, counted and logged.
system.tell('archivist', 'archive.put', { doc: 'notes' }, { from: 'main' });

// 6. A model glitch crashes the researcher. Its team is one-for-all: the critic is stopped too,
//    and both restart together after the team's backoff (150 ms). The task fails fast.
await task('(garbled) What is retrieval-augmented generation?');
// 7. Meanwhile a question for the researcher arrives during the backoff: it is held, not lost,
//    and the new incarnation answers it.
note('main', 'ask researcher directly while it restarts');
const direct = (await system.ask(
  'researcher',
  'work.request',
  { question: 'Is the team back?' },
  { from: 'main', timeoutMs: 2_000 },
)) as { text: string };
note('main', `researcher answered after its restart: ${direct.text}`);

// 8. The channel revokes the publisher's key. An auth failure is not something a restart fixes:
//    the policy sends it to a person, with the whole context, and parks the publisher.
keyValid = false;
const opened = new Promise<string>((resolve) => {
  const sub = tree.escalations.onOpened((e) => {
    sub.dispose();
    resolve(e.id);
  });
});
await system
  .ask('publisher', 'publish.post', { text: 'Caching LLM calls: worth it' }, { from: 'main' })
  .catch((err: unknown) => {
    note('main', `publish refused: ${isRuntimeError(err) ? err.code : String(err)}`);
  });
const escalationId = await opened;
const escalation = await tree.escalations.get(escalationId);
if (escalation !== undefined) {
  note(
    'human',
    `escalation ${escalation.id}: ${escalation.child.id} failed (${escalation.failureClass})`,
  );
  note('human', `  error: ${escalation.errorChain.map((e) => e.message).join(' <- ')}`);
  note(
    'human',
    `  failed message: ${escalation.failedMessage?.type ?? '-'}; last messages: ${escalation.lastMessages.length}`,
  );
  note(
    'human',
    `  due by: +${Math.round(escalation.dueAt - escalation.raisedAt)} ms; default: ${escalation.defaultDecision}`,
  );
}
// The person rotates the key and decides: retry the failed step from the last good state.
keyValid = true;
await tree.escalations.resolve(
  escalationId,
  { type: 'retry' },
  { by: 'operator', note: 'key rotated' },
);
await new Promise<void>((resolve) => clock.setTimeout(resolve, 20));

// 9. A durable agent's process is killed while a tool call is in flight; a new process resumes
//    it from its checkpoint and journal. The model call it had completed is not made again.
const durable = await crashAndResume(clock, note);

// 10. An analyst that survives its models: a 429 retried after its Retry-After, a breaker that
//     opens and later closes on a probe, a fallback to the backup model, a blocked injection, a
//     repaired invalid output and a switch to the degraded strategy (all from runtime events).
const resilient = await resilienceStory(system, clock, note);

const status = (await system.ask('coordinator', 'team.status', undefined, { from: 'main' })) as {
  completed: number;
};
const snapshot = system.metrics.snapshot();
const actors = system.list();
const children = tree.root.whichChildren();
const teamChildren = tree.find('team')?.whichChildren() ?? [];
const escalations = await tree.escalations.list();
await tree.stop();
await system.shutdown();

console.log('\nsummary');
console.log(`  tasks completed by the coordinator: ${status.completed}`);
console.log(
  `  messages delivered to agents:       ${metricValue(snapshot, 'agentvisor_messages_processed_total')}`,
);
const reasons = new Map<string, number>();
for (const d of deadLetters) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
console.log(
  `  dead letters:                       ${deadLetters.length} (${[...reasons].map(([r, n]) => `${r}: ${n}`).join(', ')})`,
);
for (const a of actors) {
  console.log(
    `  actor ${a.name.padEnd(12)} ${a.status}, incarnation ${a.incarnation}, processed ${a.processed}`,
  );
}
for (const c of [...children, ...teamChildren]) {
  console.log(`  child ${c.id.padEnd(12)} ${c.status}, restarts ${c.restarts}`);
}
const decided = escalations.map(
  (e) =>
    `${e.child.id}: ${e.resolution?.decision.type ?? 'open'} by ${e.resolution?.decidedBy ?? '-'}`,
);
console.log(`  escalations:                        ${escalations.length} (${decided.join(', ')})`);
console.log(`  posts published:                    ${posts}`);
console.log(
  `  durable writer: model calls ${durable.modelCalls}, articles published ${durable.publishes}`,
);
console.log(
  `  analyst: answered ${resilient.answered} (degraded ${resilient.degraded}), refused ${resilient.refused}`,
);
// Resilience of the agents' model calls, as the metrics registry counted it (series summed).
const total = (name: string) =>
  (snapshot[name]?.series ?? []).reduce((sum, series) => sum + series.value, 0);
console.log(
  `  resilience metrics: model calls ${total('agentvisor_model_calls_total')}, retries ${total('agentvisor_retries_total')}, ` +
    `fallbacks ${total('agentvisor_fallbacks_total')}, breaker transitions ${total('agentvisor_breaker_transitions_total')}, ` +
    `repairs ${total('agentvisor_output_repairs_total')}, screened ${total('agentvisor_screened_total')}, ` +
    `degradations ${total('agentvisor_degradations_total')}`,
);
console.log(`  timeline lines:                     ${lines.length}`);

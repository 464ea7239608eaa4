/**
 * agentvisor, the team example: the embedded default (one process, in-process transport,
 * simulated models, no server, no API key).
 *
 * It shows: agents as XState machines hosted as actors; a coordinator that asks two workers in
 * parallel; deadlines that travel with a task and cut it short; messages that fail their schema
 * refused before any machine sees them; a busy agent reporting what it cannot handle; dead
 * letters for what reached no one. It prints a timeline and a summary, and exits 0.
 */
import {
  createActorSystem,
  isRuntimeError,
  metricValue,
  systemClock,
  type DeadLetter,
  type Envelope,
} from 'agentvisor';
import { createSimulatedModel } from 'agentvisor/actors';
import { coordinator, worker } from './agents.js';

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

const system = createActorSystem({ namespace: 'team-example' }, { clock });

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
  script: ({ messages }) => `evidence on "${messages.at(-1)?.content ?? ''}" from 3 sources`,
});
const criticModel = createSimulatedModel({
  name: 'sim-critic',
  seed: 23,
  latencyMs: [30, 70],
  script: ({ messages }) => `weakest point of "${messages.at(-1)?.content ?? ''}" is sample size`,
});
system.spawn('researcher', worker('researcher', 'researcher', researcherModel));
system.spawn('critic', worker('critic', 'critic', criticModel));
system.spawn('coordinator', coordinator);

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

const status = (await system.ask('coordinator', 'team.status', undefined, { from: 'main' })) as {
  completed: number;
};
const snapshot = system.metrics.snapshot();
const actors = system.list();
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
for (const a of actors)
  console.log(`  actor ${a.name.padEnd(12)} ${a.status}, processed ${a.processed}`);
console.log(`  timeline lines:                     ${lines.length}`);

/**
 * `npm run console`: the team example kept alive with the operator's console on 127.0.0.1. It
 * runs the team's tree (desk.yaml), answers a task, then has the publisher's key revoked so an
 * auth failure parks the publisher and leaves one escalation open for a person to decide in the
 * browser. It prints the console's URL with an operator token (and a viewer token), and how long
 * the escalation took from the child's failure to reach the console's event stream (SSE).
 * Ctrl-C stops it.
 */
import { randomBytes } from 'node:crypto';
import { createActorSystem, createLogger, systemClock } from 'agentvisor';
import { createSimulatedModel } from 'agentvisor/actors';
import { createSupervisionTree, loadPolicyFile, withFailureClass } from 'agentvisor/supervisors';
import { serveConsole } from '../../ops/http/index.js';
import { coordinator, publisher, worker } from './agents.js';

const clock = systemClock;
const system = createActorSystem(
  { namespace: 'team-console' },
  { clock, logger: createLogger({ level: process.env['AGENTVISOR_LOG_LEVEL'] ?? 'silent' }) },
);
const model = (name: string, seed: number, say: (q: string) => string) =>
  createSimulatedModel({
    name,
    seed,
    latencyMs: [30, 80],
    script: ({ messages }) => say(messages.at(-1)?.content ?? ''),
  });
let keyValid = true;
const post = (text: string): Promise<string> =>
  keyValid
    ? Promise.resolve(`https://channel.example/posts/${text.length}`)
    : Promise.reject(withFailureClass(new Error('401: API key revoked'), 'auth'));

const policy = await loadPolicyFile(new URL('./desk.yaml', import.meta.url).pathname);
const tree = await createSupervisionTree(system, policy, {
  agents: {
    coordinator,
    publisher: publisher(post),
    researcher: worker(
      'researcher',
      'researcher',
      model('sim-researcher', 11, (q) => `evidence on "${q}"`),
    ),
    critic: worker(
      'critic',
      'critic',
      model('sim-critic', 23, (q) => `weakest point of "${q}"`),
    ),
  },
});
const operator = randomBytes(16).toString('hex');
const viewer = randomBytes(16).toString('hex');
const server = await serveConsole(
  { system, tree },
  {
    port: Number(process.env['AGENTVISOR_CONSOLE_PORT'] ?? 0),
    tokens: [
      { token: operator, role: 'operator' },
      { token: viewer, role: 'viewer' },
    ],
  },
);

await system.ask(
  'coordinator',
  'team.task',
  { question: 'Is caching worth it?' },
  { timeoutMs: 5_000 },
);

// Listen to the console's event stream as a browser does, and time the escalation's arrival
// from the publisher's failure.
const events = await fetch(`${server.url}/api/events`, {
  headers: { authorization: `Bearer ${operator}` },
});
let failedAt: number | undefined;
tree.onEvent((e) => {
  if (e.type === 'child-failed' && e.child === 'publisher') failedAt ??= clock.monotonic();
});
const reader = (events.body as ReadableStream<Uint8Array>)
  .pipeThrough(new TextDecoderStream())
  .getReader();
const arrived = (async () => {
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return undefined;
    buffer += value;
    if (buffer.includes('event: escalation-opened')) return clock.monotonic();
  }
})();
keyValid = false;
await system
  .ask('publisher', 'publish.post', { text: 'Caching LLM calls: worth it' }, { timeoutMs: 5_000 })
  .catch(() => undefined);
const seenAt = await arrived;
void reader.cancel();
keyValid = true; // the person "rotates the key": a retry or resume from the console now succeeds

console.log(`agentvisor console: ${server.url}/?token=${operator}`);
console.log(`  viewer (read-only): ${server.url}/?token=${viewer}`);
console.log(`  one escalation is open (the publisher's revoked key): decide it in the inbox`);
if (failedAt !== undefined && seenAt !== undefined) {
  console.log(
    `  failure -> escalation on the console's SSE stream: ${(seenAt - failedAt).toFixed(1)} ms`,
  );
}
console.log('  Ctrl-C to stop');

const stop = async () => {
  await server.close();
  await tree.stop();
  await system.shutdown();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

/**
 * `agentvisor trace <actor>` (issue 12): the reasoning chain of a durable agent, read by the CLI
 * from the namespace's JetStream journal on a real nats-server, and from a FileJournal directory.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileJournal,
  JetStreamJournal,
  MemoryCheckpointStore,
  createActorSystem,
  kvToken,
  type Journal,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { heldTool, scriptedModel, traceAgent } from '../../actors/trace/traceAgent.js';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { runCli } from '../cluster/fixtures/nodeProcess.js';

let server: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

/** Runs one task of the trace agent as actor `actor`, journaled to `journal`. */
async function runTask(journal: Journal, actor: string): Promise<unknown> {
  const agent = traceAgent({
    models: { main: scriptedModel('primary', 'gpt-test', []) },
    tools: {
      lookup: heldTool('lookup', [], () => false),
      fetch: heldTool('fetch', [], () => false),
      post: heldTool('post', [], () => false),
    },
  });
  const system = createActorSystem({});
  const persistence = {
    store: new MemoryCheckpointStore(),
    journal,
    machineId: 'tracer',
    machineVersion: 3,
    policy: { keep: 1_000 },
  };
  await system.spawnDurable(actor, agent, { persistence });
  const reply = await system.ask(actor, 'task.run', { q: 'why' }, { timeoutMs: 30_000 });
  await system.shutdown();
  return reply;
}

interface ChainJson {
  actor: string;
  steps: { event: { kind: string }; effects: { effect: string; status: string }[] }[];
  tasks: { modelCalls: number; toolCalls: number; inputTokens: number }[];
}

describe('agentvisor trace', () => {
  it('prints the chain from the cluster JetStream journal, as text and as JSON', async () => {
    const ns = kvToken('traced');
    const journal = await JetStreamJournal.open(nc, {
      stream: `AGENTVISOR_JOURNAL_${ns}`,
      subjectPrefix: `av.journal.${ns}`,
    });
    expect(await runTask(journal, 'desk/t1')).toContain('gpt-test answer');
    await journal.close();

    const json = await runCli([
      'trace',
      'desk/t1',
      '--server',
      server.url,
      '--namespace',
      'traced',
      '--json',
    ]);
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    const chain = JSON.parse(json.out) as ChainJson;
    expect(chain.actor).toBe('desk/t1');
    expect(chain.steps.map((s) => s.effects.map((e) => `${e.effect} ${e.status}`))).toEqual([
      ['model:main ok'],
      ['tool:lookup ok'],
      ['tool:fetch ok'],
      ['model:main ok'],
      ['tool:post ok'],
      [],
    ]);
    expect(chain.tasks).toEqual([
      expect.objectContaining({ modelCalls: 2, toolCalls: 3, inputTokens: 30 }),
    ]);

    const text = await runCli([
      'trace',
      'desk/t1',
      '--server',
      server.url,
      '--namespace',
      'traced',
    ]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('reasoning chain of desk/t1: 6 steps');
    expect(text.out).toContain('2 model calls, 3 tool calls');
    expect(text.out).toMatch(/→ tool:fetch \[\S+\] ok/);
  });

  it('reads a FileJournal directory with --journal-dir, and refuses a missing actor argument', async () => {
    const tmp = await makeTempDir('cli-trace');
    try {
      const journal = await FileJournal.open({ dir: tmp.dir });
      await runTask(journal, 'solo');
      await journal.close();
      const run = await runCli(['trace', 'solo', '--journal-dir', tmp.dir, '--json']);
      expect(run.code).toBe(0);
      expect((JSON.parse(run.out) as ChainJson).steps).toHaveLength(6);
      const bad = await runCli(['trace', '--journal-dir', tmp.dir]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('expected one <actor>');
    } finally {
      await tmp.remove();
    }
  });
});

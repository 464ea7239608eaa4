/**
 * Issue 12 "Traces that survive a crash": an agent doing 2 model calls and 3 tool calls, its
 * system taken over after the first tool call (memory journal and checkpoint store shared, a
 * second system resumes it, as in failoverMidEffect), traced into an in-memory OTel exporter.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { exportTrace, journalIdGenerator, traceIdOf, traceJournal } from 'agentvisor/actors';
import { TestClock, waitFor } from 'agentvisor/testing';
import { heldTool, scriptedModel, traceAgent } from './traceAgent.js';

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: journalIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracer: provider.getTracer('trace-test') };
}

const ids = (spans: readonly ReadableSpan[]) =>
  spans
    .map((s) => ({
      name: s.name,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parent: s.parentSpanContext?.spanId,
      start: s.startTime,
      end: s.endTime,
    }))
    .sort((a, b) => (a.spanId < b.spanId ? -1 : 1));

describe('traces that survive a crash', () => {
  it('one trace, 1 invoke_agent, 2 chat, 3 execute_tool, a link across the crash, exportTrace regenerating the ids', async () => {
    const mem = new MemoryJournal();
    const store = new MemoryCheckpointStore();
    const { exporter, tracer } = sdk();
    const persistence = (node: string) => ({
      store,
      journal: traceJournal(mem, { tracer, agent: 'tracer', agentVersion: 3, node }),
      machineId: 'tracer',
      machineVersion: 3,
      policy: { keep: 1_000 },
    });
    const calls: string[] = [];
    const runs: { name: string; release: (v: string) => void }[] = [];
    const agent = (holdFetch: boolean) =>
      traceAgent({
        models: { main: scriptedModel('openai', 'gpt-test', calls) },
        tools: {
          lookup: heldTool('lookup', runs, () => false),
          fetch: heldTool('fetch', runs, () => holdFetch),
          post: heldTool('post', runs, () => false),
        },
      });

    // System A: plan (model), lookup (tool), then fetch hangs: A is lost after the first tool call.
    const a = createActorSystem({}, { clock: new TestClock() });
    await a.spawnDurable('t', agent(true), { persistence: persistence('A') });
    const asked = a.ask('t', 'task.run', { q: 'why' }, { timeoutMs: 60_000 }).catch(() => 'lost');
    await waitFor(
      'fetch held and two spans out',
      () => runs.length === 1 && exporter.getFinishedSpans().length === 2,
    );
    expect(runs.map((r) => r.name)).toEqual(['fetch']);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([
      'chat gpt-test',
      'execute_tool lookup',
    ]);

    // System B resumes t from the shared journal and checkpoints, and finishes the task.
    const bJournal = persistence('B');
    const b = createActorSystem({}, { clock: new TestClock() });
    await b.spawnDurable('t', agent(false), { persistence: bJournal });
    await waitFor('t idle on B', () => (b.getSnapshot('t') as { value: string }).value === 'idle');
    expect((b.getSnapshot('t') as { value: string }).value).toBe('idle');
    await bJournal.journal.flush('t');
    runs[0]!.release('late'); // A's fetch returns after the takeover: fenced, nothing traced
    await a.settled();
    await Promise.all([a.shutdown(), b.shutdown()]);
    await asked;

    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name).sort();
    expect(names).toEqual([
      'chat gpt-test',
      'chat gpt-test',
      'execute_tool fetch',
      'execute_tool lookup',
      'execute_tool post',
      'invoke_agent tracer',
    ]);
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    const task = (await mem.read('t', 0)).find((e) => e.event.kind === 'message')!;
    expect([...traceIds]).toEqual([traceIdOf('t', (task.event.data as { id: string }).id)]);
    const root = spans.find((s) => s.name === 'invoke_agent tracer')!;
    for (const s of spans.filter((x) => x !== root))
      expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    // Attributes as the GenAI conventions spell them.
    const chat = spans.find((s) => s.name === 'chat gpt-test')!;
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 1,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.agent.name': 'tracer',
      'gen_ai.agent.version': '3',
      'agentvisor.actor': 't',
      'agentvisor.attempt': 1,
      'agentvisor.node': 'A',
    });
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined(); // content is opt-in
    const tool = spans.find((s) => s.name === 'execute_tool post')!;
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'post',
      'agentvisor.node': 'B',
    });
    expect(typeof tool.attributes['gen_ai.tool.call.id']).toBe('string');
    expect(typeof tool.attributes['agentvisor.journal_seq']).toBe('number');
    // The first span after the takeover links to the last one before it.
    const lookup = spans.find((s) => s.name === 'execute_tool lookup')!;
    const linked = spans.filter((s) => s.links.length > 0);
    expect(linked.map((s) => s.name)).toEqual(['execute_tool fetch']);
    expect(linked[0]!.links[0]!.context.spanId).toBe(lookup.spanContext().spanId);

    // exportTrace regenerates the same spans from the journal: same ids, same times.
    const again = sdk();
    expect(await exportTrace(mem, 't', { tracer: again.tracer, agent: 'tracer' })).toBe(6);
    expect(ids(again.exporter.getFinishedSpans())).toEqual(ids(spans));
  });

  it('without an SDK registered: no error, a no-op tracer', async () => {
    const mem = new MemoryJournal();
    const journal = traceJournal(mem);
    const calls: string[] = [];
    const system = createActorSystem({}, { clock: new TestClock() });
    await system.spawnDurable(
      't',
      traceAgent({
        models: { main: scriptedModel('openai', 'gpt-test', calls) },
        tools: {
          lookup: heldTool('lookup', [], () => false),
          fetch: heldTool('fetch', [], () => false),
          post: heldTool('post', [], () => false),
        },
      }),
      {
        persistence: {
          store: new MemoryCheckpointStore(),
          journal,
          machineId: 'tracer',
          machineVersion: 3,
        },
      },
    );
    const reply = system.ask('t', 'task.run', { q: 'why' }, { timeoutMs: 60_000 });
    await system.settled();
    expect(await reply).toContain('gpt-test answer 2');
    await journal.flush();
    expect(await exportTrace(mem, 't')).toBeGreaterThan(0);
    await system.shutdown();
  });
});

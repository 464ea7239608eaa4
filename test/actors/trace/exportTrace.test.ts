import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { MemoryJournal } from 'agentvisor';
import { exportTrace, journalIdGenerator, spanIdOf, traceIdOf } from 'agentvisor/actors';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

async function journalOf(traceparent?: string) {
  const journal = new MemoryJournal();
  await journal.append('a', [
    {
      id: 'm:1:m1',
      kind: 'message',
      at: 1_700_000_001_000,
      data: {
        v: 1,
        id: 'm1',
        type: 'q',
        to: 'a',
        ...(traceparent === undefined ? {} : { traceparent }),
      },
    },
    {
      id: 'i:1/x',
      kind: 'effect-intent',
      at: 1_700_000_001_010,
      data: { key: '1/x', effect: 'tool:search', input: { q: 1 } },
    },
    {
      id: 'o:1/x',
      kind: 'effect-outcome',
      at: 1_700_000_001_050,
      data: {
        key: '1/x',
        effect: 'tool:search',
        outcome: {
          ok: false,
          error: { code: 'ERR_TIMEOUT', message: 'slow', details: { failureClass: 'timeout' } },
        },
      },
    },
  ]);
  return journal;
}

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: journalIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracer: provider.getTracer('t') };
}

describe('exportTrace', () => {
  it('derives ids from (actor, task, seq, kind), times from the journal, error.type from the failure class', async () => {
    const { exporter, tracer } = sdk();
    expect(await exportTrace(await journalOf(), 'a', { tracer, captureContent: true })).toBe(2);
    const [tool, agent] = exporter.getFinishedSpans();
    expect(agent!.name).toBe('invoke_agent a');
    expect(agent!.spanContext()).toMatchObject({
      traceId: traceIdOf('a', 'm1'),
      spanId: spanIdOf('a', 'm1', 1, 'invoke_agent'),
    });
    expect(tool!.name).toBe('execute_tool search');
    expect(tool!.spanContext().spanId).toBe(spanIdOf('a', 'm1', 2, 'execute_tool'));
    expect(tool!.attributes).toMatchObject({
      'error.type': 'timeout',
      'gen_ai.tool.call.arguments': '{"q":1}',
    });
    expect(tool!.status.code).toBe(2); // ERROR
    expect(tool!.startTime).toEqual([1_700_000_001, 10_000_000]);
    expect(tool!.endTime).toEqual([1_700_000_001, 50_000_000]);
  });

  it("continues the caller's trace when the message carried a traceparent", async () => {
    const { exporter, tracer } = sdk();
    await exportTrace(await journalOf(`00-${TRACE}-${PARENT}-01`), 'a', { tracer });
    const agent = exporter.getFinishedSpans().find((s) => s.name === 'invoke_agent a')!;
    expect(agent.spanContext().traceId).toBe(TRACE);
    expect(agent.parentSpanContext?.spanId).toBe(PARENT);
  });

  it('ids are 16 and 8 bytes of hex, never all zeros, stable', () => {
    expect(traceIdOf('a', 't')).toMatch(/^[\da-f]{32}$/);
    expect(spanIdOf('a', 't', 3, 'chat')).toMatch(/^[\da-f]{16}$/);
    expect(traceIdOf('a', 't')).toBe(traceIdOf('a', 't'));
    expect(spanIdOf('a', 't', 3, 'chat')).not.toBe(spanIdOf('a', 't', 3, 'execute_tool'));
  });
});

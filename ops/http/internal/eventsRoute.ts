import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { messageOf, type Disposable } from 'agentvisor/internal';
import type { ConsoleSources } from '../ConsoleTarget.js';
import { redact } from './redact.js';

/** One change the console streams: its SSE `event` name and JSON `data`. */
interface ConsoleChange {
  readonly event: 'escalation-opened' | 'escalation-resolved' | 'supervisor' | 'actor';
  readonly data: unknown;
}

/**
 * `GET /api/events`: server-sent events of changes, as they happen — `escalation-opened` and
 * `escalation-resolved` (the record), `supervisor` (every supervisor event of the tree: child
 * started, failed, parked, restart scheduled, …) and `actor` (lifecycle: started, failed,
 * stopped, done). Each `data` is JSON, secrets redacted; `id` counts up per stream. The stream
 * ends when the client goes or the console closes (`streams` holds the closers).
 */
export function eventsRoute(app: Hono, sources: ConsoleSources, streams: Set<() => void>): void {
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let seq = 0;
      let queue = Promise.resolve();
      const send = (change: ConsoleChange) => {
        const id = String(++seq);
        const data = JSON.stringify(redact(change.data));
        queue = queue.then(() => stream.writeSSE({ event: change.event, id, data }));
      };
      const subs: Disposable[] = [];
      const { tree, system } = sources;
      if (tree !== undefined) {
        subs.push(
          tree.escalations.onOpened((record) => {
            send({ event: 'escalation-opened', data: record });
          }),
          tree.escalations.onResolved((record) => {
            send({ event: 'escalation-resolved', data: record });
          }),
          tree.onEvent((event) => {
            send({ event: 'supervisor', data: event });
          }),
        );
      }
      subs.push(
        system.onLifecycle((event) => {
          const data =
            'error' in event ? { ...event, error: messageOf(event.error) } : { ...event };
          if ('message' in data) delete data.message;
          send({ event: 'actor', data });
        }),
      );
      await new Promise<void>((resolve) => {
        const end = () => {
          streams.delete(end);
          for (const sub of subs) sub.dispose();
          resolve();
        };
        streams.add(end);
        stream.onAbort(end);
        // The first bytes: the client knows the stream is open before any change arrives.
        void stream.writeSSE({ event: 'ready', data: '{}' });
      });
      await queue.catch(() => undefined);
    }),
  );
}

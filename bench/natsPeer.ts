/**
 * The receiving process of the NATS benchmark (bench/nats.ts starts it): it hosts, on its own
 * connections, everything that receives or answers — the runtime's side (an ActorSystem on a
 * NatsTransport with counter actors) and the hand-made sides (a counting subscriber, the
 * hand-made chain, a responder of pre-encoded bytes, the hand-made ask chain) — so that sender
 * and receiver are two processes, as two nodes are.
 *
 * Driven over NATS: requests on `bench.ctl.<tag>` (JSON `{ op, ... }`), answered once the peer is
 * ready; a counting side publishes `<subject>.done` when it has seen all `n` messages.
 * Usage: `node --import tsx bench/natsPeer.ts <server url> <library url> <tag>`.
 */
import { connect, type Msg } from '@nats-io/transport-node';
import { createActor } from 'xstate';
import { counterMachine, packr } from './shared.js';

type Lib = typeof import('agentvisor/internal');

const [url, libUrl, tag] = process.argv.slice(2);
if (url === undefined || libUrl === undefined || tag === undefined) {
  throw new Error('usage: natsPeer.ts <server url> <library url> <tag>');
}
const lib = (await import(libUrl)) as Lib;

const counter = counterMachine(lib.respond);

const open = () => connect({ ...lib.NATS_CONNECT_DEFAULTS, servers: url });
const [subConn, resConn, ctlConn] = await Promise.all([open(), open(), open()]);
const transport = await lib.NatsTransport.connect({ servers: url });
const system = lib.createActorSystem(
  { namespace: 'bench', mailbox: { capacity: 1_000_000 } },
  { transport },
);
system.spawn('c', counter);

// A responder of pre-encoded bytes (the hand-made mux inbox's other end).
const replyBytes = (() => {
  const r = lib.encodeEnvelope({
    v: 1,
    id: `${tag}r`,
    type: lib.ReplyType.Ok,
    to: '_INBOX.x.y',
    correlationId: `${tag}q`,
    payload: 0,
  });
  if (!r.ok) throw r.error;
  return r.value;
})();
resConn.subscribe(`bench.echo.${tag}`, {
  callback: (_err, msg: Msg) => {
    msg.respond(replyBytes);
  },
});

// The hand-made ask chain's other end: unpack → XState send → pack the emitted reply → publish.
const chainActor = createActor(counter);
chainActor.subscribe({ error: () => undefined });
chainActor.on('agentvisor.respond', (event) => {
  const emitted = event as unknown as { to: { id: string; replyTo?: string }; payload?: unknown };
  const replyTo = emitted.to.replyTo;
  if (replyTo === undefined) return;
  resConn.publish(
    replyTo,
    packr.pack({
      v: 1,
      id: `${tag}r`,
      type: lib.ReplyType.Ok,
      to: replyTo,
      correlationId: emitted.to.id,
      payload: emitted.payload,
    }),
  );
});
chainActor.start();
resConn.subscribe(`bench.askchain.${tag}`, {
  callback: (_err, msg: Msg) => {
    const envelope = packr.unpack(msg.data) as { type: 'get'; id: string; replyTo?: string };
    if (msg.reply !== undefined) envelope.replyTo = msg.reply;
    chainActor.send(envelope);
  },
});

type Control =
  | { op: 'count'; subject: string; n: number }
  | { op: 'chain'; subject: string; n: number }
  | { op: 'spawn'; name: string }
  | { op: 'stop'; name: string }
  | { op: 'close' };

const done = (subject: string) => {
  subConn.publish(`${subject}.done`);
};

/** Raw: counts messages on `subject`. */
function count(subject: string, n: number): void {
  let got = 0;
  const sub = subConn.subscribe(subject, {
    callback: () => {
      if (++got === n) {
        sub.unsubscribe();
        done(subject);
      }
    },
  });
}

/** The hand-made chain: unpack → route by name → XState send, done when the count reaches n. */
function chain(subject: string, n: number): void {
  const actor = createActor(counter);
  actor.subscribe({ error: () => undefined });
  actor.start();
  const actors = new Map([['c', actor]]);
  const sub = subConn.subscribe(subject, {
    callback: (_err, msg: Msg) => {
      const envelope = packr.unpack(msg.data) as { to: string; type: 'inc' };
      const target = actors.get(envelope.to);
      target?.send(envelope);
      if (target?.getSnapshot().context.count === n) {
        sub.unsubscribe();
        actor.stop();
        done(subject);
      }
    },
  });
}

let closing = false;
ctlConn.subscribe(`bench.ctl.${tag}`, {
  callback: (_err, msg: Msg) => {
    void (async () => {
      const control = msg.json<Control>();
      switch (control.op) {
        case 'count':
          count(control.subject, control.n);
          await subConn.flush();
          break;
        case 'chain':
          chain(control.subject, control.n);
          await subConn.flush();
          break;
        case 'spawn':
          system.spawn(control.name, counter);
          await transport.connection.flush();
          break;
        case 'stop':
          system.stop(control.name);
          break;
        case 'close':
          closing = true;
          break;
      }
      msg.respond();
      if (closing) {
        await ctlConn.flush();
        chainActor.stop();
        await system.shutdown();
        await transport.close();
        await Promise.all([subConn, resConn, ctlConn].map((nc) => nc.close()));
      }
    })();
  },
});
await Promise.all([
  subConn.flush(),
  resConn.flush(),
  ctlConn.flush(),
  transport.connection.flush(),
]);
process.stdout.write('ready\n');

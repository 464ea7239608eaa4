import {
  ErrorCode,
  RuntimeError,
  sleepOnClock,
  type Envelope,
  type PublishOutcome,
  type RequestOptions,
  type TimerHandle,
  type Transport,
} from 'agentvisor/internal';
import type { Chaos, ChaosRule } from './createChaos.js';
import type { CallScope } from './matchesTarget.js';
import type { TransportFault } from './TransportFault.js';

interface Held {
  readonly subject: string;
  readonly envelope: Envelope;
  readonly timer: TimerHandle;
}

/**
 * `transport` with chaos on what is published and requested through it: each envelope asks
 * `chaos` for a {@link TransportFault} (scope: the subject, the actor it is addressed to, and
 * `scope`'s node and namespace). Subscriptions, drain and close pass through. `chaos.stop()`
 * delivers every held message (reorder, latency) at once.
 */
export function chaosTransport(
  chaos: Chaos,
  transport: Transport,
  rule: ChaosRule<TransportFault> = { faults: [] },
  scope: CallScope = {},
): Transport {
  const clock = chaos.clock;
  const held = new Set<Held>();
  const reordered = new Map<string, Held>();
  const deliver = (h: Held): number => {
    if (!held.delete(h)) return 0;
    clock.clearTimeout(h.timer);
    if (reordered.get(h.subject) === h) reordered.delete(h.subject);
    transport.publish(h.subject, h.envelope);
    return 1;
  };
  chaos.hold({
    release: () => [...held].reduce((n, h) => n + deliver(h), 0),
    held: () => held.size,
  });
  const later = (subject: string, envelope: Envelope, ms: number): void => {
    const h: Held = {
      subject,
      envelope,
      timer: clock.setTimeout(() => deliver(h), Math.max(0, ms)),
    };
    held.add(h);
  };
  const faultOf = (subject: string, envelope: Envelope) =>
    chaos.decide(
      'transport',
      {
        ...scope,
        subject,
        actor: envelope.to,
        ...(envelope.ns === undefined ? {} : { namespace: envelope.ns }),
      },
      envelope.payload,
      rule,
    );
  const releaseReordered = (subject: string): void => {
    const waiting = reordered.get(subject);
    if (waiting !== undefined) deliver(waiting);
  };

  const publish = (subject: string, envelope: Envelope): PublishOutcome => {
    const fault = faultOf(subject, envelope);
    switch (fault?.type) {
      case undefined:
      case 'late-reply': {
        const outcome = transport.publish(subject, envelope);
        releaseReordered(subject);
        return outcome;
      }
      case 'drop':
        return 'sent';
      case 'duplicate': {
        const outcome = transport.publish(subject, envelope);
        transport.publish(subject, envelope);
        releaseReordered(subject);
        return outcome;
      }
      case 'latency': {
        const jitter = fault.jitterMs ?? 0;
        later(subject, envelope, fault.ms + (jitter === 0 ? 0 : (chaosJitter() * 2 - 1) * jitter));
        return 'sent';
      }
      case 'reorder': {
        releaseReordered(subject);
        later(subject, envelope, fault.maxHoldMs ?? 1_000);
        const h = [...held].at(-1);
        if (h !== undefined) reordered.set(subject, h);
        return 'sent';
      }
    }
  };
  // Jitter draws from the chaos' own random source through a one-rule decide would skew counts;
  // a fixed LCG seeded per transport keeps replays identical without touching the fault stream.
  let lcg = 0x2545f491;
  const chaosJitter = (): number => {
    lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
    return lcg / 4294967296;
  };

  const request = async (
    subject: string,
    envelope: Envelope,
    options: RequestOptions,
  ): Promise<Envelope> => {
    const fault = faultOf(subject, envelope);
    switch (fault?.type) {
      case undefined:
        return transport.request(subject, envelope, options);
      case 'drop':
      case 'late-reply': {
        if (fault.type === 'late-reply') {
          // The handler gets it and answers; the answer is thrown away as arriving too late.
          void transport
            .request(subject, envelope, { ...options, deadline: Number.MAX_SAFE_INTEGER })
            .catch(() => undefined);
        }
        await sleepOnClock(clock, Math.max(0, options.deadline - clock.now()), options.signal);
        throw new RuntimeError(ErrorCode.Timeout, `request to ${subject} timed out (chaos)`, {
          details: { subject, chaos: true, fault: fault.type },
        });
      }
      case 'duplicate': {
        // The original first (its reply is awaited), then the copy: a redelivery.
        const reply = transport.request(subject, envelope, options);
        transport.publish(subject, envelope);
        return reply;
      }
      case 'latency':
      case 'reorder': {
        const ms = fault.type === 'latency' ? fault.ms : 0;
        await sleepOnClock(clock, ms, options.signal);
        return transport.request(subject, envelope, options);
      }
    }
  };

  return {
    kind: transport.kind,
    publish,
    publishBytes: (subject, bytes) => transport.publishBytes(subject, bytes),
    request,
    subscribe: (subject, handler) => transport.subscribe(subject, handler),
    onRejected: (handler) => transport.onRejected(handler),
    drain: () => transport.drain(),
    close: () => transport.close(),
    get closed() {
      return transport.closed;
    },
  };
}

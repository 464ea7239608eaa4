/**
 * A fault a message on the transport can get (Chaos Mesh netem, Toxiproxy latency):
 * - `latency`: delivered `ms` ± `jitterMs` later (on the clock);
 * - `drop`: never delivered (the sender sees `sent`; a request times out) — a partition when
 *   added for a node or subject with a duration;
 * - `duplicate`: delivered twice (a redelivery);
 * - `reorder`: held until the next message on the same subject is delivered, then delivered
 *   after it (or after `maxHoldMs`, default 1,000);
 * - `late-reply`: a request is delivered and answered, but the reply reaches the caller only
 *   after its deadline (the caller sees ERR_TIMEOUT, the handler ran: an indeterminate outcome).
 */
export type TransportFault =
  | { readonly type: 'latency'; readonly ms: number; readonly jitterMs?: number }
  | { readonly type: 'drop' }
  | { readonly type: 'duplicate' }
  | { readonly type: 'reorder'; readonly maxHoldMs?: number }
  | { readonly type: 'late-reply' };

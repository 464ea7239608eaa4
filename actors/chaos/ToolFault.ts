/**
 * A fault a tool call can get:
 * - `error`: fails before the tool runs (ERR_TIMEOUT-like `transient`, nothing happened);
 * - `slow`: runs after `ms` more;
 * - `after-effect`: runs the tool (its side effect happens) and then fails, `transient`: the
 *   caller cannot tell it happened — the uncertain outcome the ledger's `verify` exists for;
 * - `garbage`: runs the tool and returns `value` (default a string of noise) instead of its output;
 * - `injection`: runs the tool and appends a prompt-injection payload to its output.
 */
export type ToolFault =
  | { readonly type: 'error' }
  | { readonly type: 'slow'; readonly ms: number }
  | { readonly type: 'after-effect' }
  | { readonly type: 'garbage'; readonly value?: unknown }
  | { readonly type: 'injection'; readonly payload?: string };

/**
 * A fault a checkpoint write or journal append can get: `fail` rejects with
 * ERR_STORE_UNAVAILABLE before anything is written; `timeout` waits `afterMs` and then rejects
 * with ERR_TIMEOUT without writing (the caller cannot tell; nothing was stored).
 */
export type StoreFault =
  { readonly type: 'fail' } | { readonly type: 'timeout'; readonly afterMs: number };

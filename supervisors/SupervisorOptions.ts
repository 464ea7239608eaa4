import type { SupervisorExit } from './SupervisorDeps.js';

/** Options of a {@link Supervisor}. */
export interface SupervisorOptions {
  /** The actor name. @default the spec's id */
  readonly name?: string;
  /** Called when the supervisor ends by itself (auto shutdown, or giving up). */
  readonly onExit?: (exit: SupervisorExit) => void;
  /**
   * A {@link Supervisor.toSnapshot} to continue from (read back from storage: validated).
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for an unknown `v`; ERR_INVALID_OPTIONS for a
   *   malformed snapshot or one of another supervisor.
   */
  readonly snapshot?: unknown;
}

import type { Policy, SupervisorSpec, WorkerSpec } from './schema.js';

/** One worker of the tree and the failures its supervisors absorb. */
export interface PolicyLintPath {
  /** Ids from the root supervisor to the worker, joined by `/` (`desk/team/researcher`). */
  readonly path: string;
  /** Consecutive failures of this worker the tree absorbs; see {@link lintPolicy}. */
  readonly absorbedFailures: number;
}

/** What {@link lintPolicy} warns about; each code is described there. */
export type PolicyLintCode =
  'equal-intensities' | 'long-period' | 'temporary-supervisor' | 'dynamic-with-significant';

/** A questionable (but valid) choice in a policy. */
export interface PolicyLintWarning {
  /** The supervisor concerned, as ids joined by `/`. */
  readonly path: string;
  readonly code: PolicyLintCode;
  readonly message: string;
}

/** The result of {@link lintPolicy}. */
export interface PolicyLint {
  /** One entry per worker, depth-first in child order. */
  readonly paths: readonly PolicyLintPath[];
  /** The largest `absorbedFailures` over all workers (0 when there are none). */
  readonly worstCase: number;
  readonly warnings: readonly PolicyLintWarning[];
}

/** `long-period` fires above this: OTP's guide calls 5 to 10 minutes "more reasonable" than an hour. */
const LONG_PERIOD_MS = 10 * 60_000;

/**
 * Computes how many failures each worker of a supervision tree can have before the root gives
 * up, and warns about choices OTP's supervision guide advises against. Pure: it reads the
 * resolved spec and starts nothing.
 *
 * **absorbedFailures.** For a worker under supervisors `s₁ … sₙ` (root first):
 *
 *     absorbedFailures = (s₁.intensity + 1) × … × (sₙ.intensity + 1) − 1
 *
 * the number of consecutive failures of that worker, all within the shortest `periodMs` on the
 * path and each handled by a `restart` or `resume` directive, after which it is running again.
 * The next failure takes the root down. Why: `sₙ` restarts the worker `intensity` times and gives
 * up on the failure after, which its parent absorbs by restarting `sₙ` (with fresh counters), and
 * so on up. OTP's guide ("Tuning the intensity and period") warns that the restarts before the top
 * gives up are the *product of the intensities* on the path: 10 and 10 give "100"; counted
 * exactly, 11 × 11 − 1 = 120. Intensity 0 contributes a factor 1 (that level absorbs nothing).
 * Restart types cut the product:
 * - a `temporary` worker is never restarted: 0;
 * - a `temporary` supervisor `sₖ` is not restarted when it gives up, so the product stops at `sₖ`
 *   (its subtree is lost instead of the root going down);
 * - `transient` counts as `permanent`: in agentvisor a supervisor that gives up exits abnormally.
 *
 * **Warnings** (`code`, on the supervisor's path):
 * - `equal-intensities`: every supervisor from the root to a worker's supervisor (two or more)
 *   has the same intensity; OTP's guide: "do not simply set the restart intensities to the same
 *   values on all levels". Reported once, on the deepest such supervisor of each chain.
 * - `long-period`: `periodMs` above 10 minutes; OTP's guide: a long period makes the supervisor
 *   give up on one crash long after an unrelated burst (its example: 5 per hour).
 * - `temporary-supervisor`: a nested supervisor with restart `temporary` is lost when it gives
 *   up, silently for the rest of the tree. (`transient` is fine here, unlike OTP where a
 *   supervisor exits with `shutdown` and a transient one is not restarted.)
 * - `dynamic-with-significant`: a `dynamic` supervisor whose template is significant: every
 *   instance is, so `any-significant` shuts down all instances when one ends by itself, and
 *   `all-significant` shuts the supervisor down whenever its last instance ends.
 *
 * @example
 * const { worstCase, warnings } = lintPolicy(parsePolicy(input));
 */
export function lintPolicy(policy: Policy | SupervisorSpec): PolicyLint {
  const root = 'root' in policy ? policy.root : policy;
  const paths: PolicyLintPath[] = [];
  const warnings: PolicyLintWarning[] = [];
  /** Supervisor path → its intensity, for chains where every intensity is equal. */
  const equalChains = new Map<string, { intensity: number; depth: number }>();

  const walk = (
    supervisor: SupervisorSpec,
    chain: readonly SupervisorSpec[],
    ids: string[],
  ): void => {
    const here = ids.join('/');
    warnings.push(...supervisorWarnings(supervisor, chain.length > 1, here));
    for (const child of supervisor.children) {
      if (child.type === 'supervisor') {
        walk(child, [...chain, child], [...ids, child.id]);
        continue;
      }
      paths.push({ path: `${here}/${child.id}`, absorbedFailures: absorbed(chain, child) });
      const intensity = supervisor.intensity;
      if (chain.length >= 2 && chain.every((s) => s.intensity === intensity)) {
        equalChains.set(here, { intensity, depth: chain.length });
      }
    }
  };
  walk(root, [root], [root.id]);

  for (const [path, { intensity, depth }] of equalChains) {
    // A chain that a longer equal chain extends says nothing new.
    if ([...equalChains.keys()].some((other) => other.startsWith(`${path}/`))) continue;
    warnings.push({
      path,
      code: 'equal-intensities',
      message: `all ${depth} supervisors from the root to here have intensity ${intensity}: restart budgets multiply along a path (see absorbedFailures), and OTP advises against the same intensity at every level`,
    });
  }
  return {
    paths,
    worstCase: paths.reduce((max, p) => Math.max(max, p.absorbedFailures), 0),
    warnings,
  };
}

// --- internals ---

/** The product rule documented on {@link lintPolicy}; `chain` is root first. */
function absorbed(chain: readonly SupervisorSpec[], worker: WorkerSpec): number {
  if (worker.restart === 'temporary') return 0;
  let product = 1;
  for (const [depth, supervisor] of [...chain.entries()].reverse()) {
    product *= supervisor.intensity + 1;
    // A temporary supervisor that gives up is not restarted: the failure goes no higher.
    if (depth > 0 && supervisor.restart === 'temporary') break;
  }
  return product - 1;
}

function supervisorWarnings(
  supervisor: SupervisorSpec,
  nested: boolean,
  path: string,
): PolicyLintWarning[] {
  const warnings: PolicyLintWarning[] = [];
  if (supervisor.periodMs > LONG_PERIOD_MS) {
    warnings.push({
      path,
      code: 'long-period',
      message: `periodMs ${supervisor.periodMs} is over 10 minutes: restarts that long apart are separate incidents, yet they add up until the supervisor gives up; OTP suggests 5 to 10 minutes at most`,
    });
  }
  if (nested && supervisor.restart === 'temporary') {
    warnings.push({
      path,
      code: 'temporary-supervisor',
      message:
        'a temporary supervisor is not restarted when it gives up: its whole subtree is lost and the failure goes no higher; use "transient" (restarted after giving up, which is an abnormal exit) or "permanent"',
    });
  }
  const template = supervisor.children[0];
  if (supervisor.strategy === 'dynamic' && template?.significant === true) {
    const effect =
      supervisor.autoShutdown === 'any-significant'
        ? 'the first instance that ends by itself shuts down the supervisor and every other instance'
        : 'the supervisor shuts down whenever its last running instance ends by itself';
    warnings.push({
      path,
      code: 'dynamic-with-significant',
      message: `the dynamic template ${JSON.stringify(template.id)} is significant, so every instance is: ${effect}`,
    });
  }
  return warnings;
}

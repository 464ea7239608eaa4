import { ErrorCode, RuntimeError, parseOptions } from 'agentvisor/internal';
import {
  RolloutSpecSchema,
  type AgentVersion,
  type RolloutConfig,
  type RolloutSpec,
} from './RolloutSpec.js';

/** A deployed version of an agent, as the validator needs it (an `AgentDefinition` fits). */
export interface DeployedVersion {
  readonly name: string;
  readonly version: AgentVersion;
  /** Migration of checkpoints written by other versions; absent: it reads only its own. */
  readonly migrate?: unknown;
}

/** What a rollout is checked against. */
export interface RolloutCatalog {
  /** Every deployed version of every agent. */
  readonly versions: readonly DeployedVersion[];
  /** Rollouts still running or paused: `{ id, agent }`. */
  readonly active?: readonly { readonly id: string; readonly agent: string }[];
}

/**
 * Validates a rollout against the deployed versions and the active rollouts and resolves its
 * defaults. Nothing is routed for a refused rollout.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS (a weight outside [0, 1], a bad field: `details.issues`);
 *   ERR_UNKNOWN_VERSION (`details.path` `stable` or `candidate`); ERR_ROLLOUT_CONFLICT (another
 *   active rollout of the agent, `details.path` `agent`); ERR_MIGRATION_MISSING (the candidate
 *   cannot migrate the stable version's checkpoints, `details.path` `candidate`).
 * @example
 * const config = parseRolloutSpec(
 *   { agent: 'analyst', stable: 1, candidate: 2, steps: [{ canary: 0.1 }, { full: true }] },
 *   { versions: [analystV1, analystV2] },
 * );
 */
export function parseRolloutSpec(spec: RolloutSpec, catalog: RolloutCatalog): RolloutConfig {
  const parsed = parseOptions(RolloutSpecSchema, spec, 'rollout');
  const id = parsed.id ?? `${parsed.agent}@${parsed.stable}->${parsed.candidate}`;
  const deployed = catalog.versions.filter((v) => v.name === parsed.agent);
  const find = (version: AgentVersion): DeployedVersion | undefined =>
    deployed.find((v) => v.version === version);
  for (const path of ['stable', 'candidate'] as const) {
    if (find(parsed[path]) === undefined) {
      throw new RuntimeError(
        ErrorCode.UnknownVersion,
        `Invalid rollout: ${path}: version ${parsed[path]} of ${parsed.agent} is not deployed`,
        {
          details: {
            path,
            version: parsed[path],
            deployed: deployed.map((v) => v.version),
          },
        },
      );
    }
  }
  const clash = (catalog.active ?? []).find((r) => r.agent === parsed.agent && r.id !== id);
  if (clash !== undefined) {
    throw new RuntimeError(
      ErrorCode.RolloutConflict,
      `Invalid rollout: agent: ${parsed.agent} already has the active rollout ${clash.id}`,
      { details: { path: 'agent', agent: parsed.agent, active: clash.id } },
    );
  }
  if (typeof find(parsed.candidate)?.migrate !== 'function') {
    throw new RuntimeError(
      ErrorCode.MigrationMissing,
      `Invalid rollout: candidate: version ${parsed.candidate} declares no migrate for checkpoints of version ${parsed.stable}`,
      { details: { path: 'candidate', from: parsed.stable, to: parsed.candidate } },
    );
  }
  return { ...parsed, id };
}

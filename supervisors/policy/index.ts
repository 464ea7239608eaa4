/**
 * Supervision policy: the tree of supervisors and agents as plain data (OTP child specs and
 * supervisor flags, plus backoff, failure decisions and human escalation), its validation from
 * TypeScript, YAML or JSON, and a linter for restart budgets.
 */
export {
  PolicySchema,
  SupervisorSpecSchema,
  ChildSpecSchema,
  WorkerSpecSchema,
  BackoffSchema,
  DecisionTableSchema,
  HumanPolicySchema,
} from './schema.js';
export type {
  Policy,
  PolicyInput,
  SupervisorSpec,
  SupervisorSpecInput,
  ChildSpec,
  ChildSpecInput,
  WorkerSpec,
} from './schema.js';
export { parsePolicy, parsePolicyText, loadPolicyFile } from './parsePolicy.js';
export type { PolicyFormat, LoadPolicyFileOptions } from './parsePolicy.js';
export { lintPolicy } from './lintPolicy.js';
export type {
  PolicyLint,
  PolicyLintPath,
  PolicyLintWarning,
  PolicyLintCode,
} from './lintPolicy.js';

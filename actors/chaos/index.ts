export { createChaos } from './createChaos.js';
export type {
  ActiveFault,
  Chaos,
  ChaosOptions,
  ChaosRule,
  ChaosStopReport,
  FaultLayer,
  InjectedFault,
  LayerFaults,
  WeightedFault,
} from './createChaos.js';
export type { StoreFault, ToolFault } from './ToolFault.js';
export type { TransportFault } from './TransportFault.js';
export { matchesTarget, matchesArgs } from './matchesTarget.js';
export type { CallScope, FaultCondition, FaultTarget, NameMatcher } from './matchesTarget.js';
export { chaosTransport } from './chaosTransport.js';
export { chaosJournal } from './chaosJournal.js';
export { chaosCheckpointStore } from './chaosCheckpointStore.js';
export { passHatK } from './passHatK.js';
export type { PassHatK, TaskTrials, TrialOutcome } from './passHatK.js';
export { runScenario } from './runScenario.js';
export type {
  RequestOutcome,
  ScenarioHistory,
  ScenarioOptions,
  ScheduledFault,
  WorkloadItem,
} from './runScenario.js';
export { noDuplicateEffects, noLostAcknowledged } from './checkers.js';
export type { CheckResult } from './checkers.js';

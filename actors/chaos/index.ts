export { createChaos } from './createChaos.js';
export type {
  Chaos,
  ChaosOptions,
  ChaosRule,
  InjectedFault,
  ToolFault,
  WeightedFault,
} from './createChaos.js';

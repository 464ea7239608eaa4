import type { HumanDecisionType } from '../failureClasses.js';
import type { HumanDecision } from './Escalation.js';

/** The default decision as a decision: a default `skip` has no result to give. */
export function defaultDecision(type: HumanDecisionType): HumanDecision {
  switch (type) {
    case 'skip':
      return { type: 'skip', result: undefined };
    case 'retry':
    case 'resume':
    case 'restart-fresh':
    case 'stop':
      return { type };
  }
}

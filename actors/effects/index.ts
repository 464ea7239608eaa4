export { createEffects } from './createEffects.js';
export type { AgentEffects, AskInput, ModelInput } from './createEffects.js';

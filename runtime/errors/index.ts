export { ErrorCode, isErrorCode } from './codes.js';
export { RuntimeError, isRuntimeError, toWireError } from './RuntimeError.js';
export { causeChain } from './causeChain.js';
export { errorChain, wireChain } from './errorChain.js';
export { failureSignature } from './failureSignature.js';
export { messageOf } from './messageOf.js';
export type { WireError, RuntimeErrorOptions } from './RuntimeError.js';
export { parseOptions, formatPath } from './parseOptions.js';
export type { OptionIssue } from './parseOptions.js';
export { describeYamlError } from './describeYamlError.js';
export {
  FAILURE_CLASSES,
  classifyFailure,
  isFailureClass,
  retryAfterMsOf,
  withFailureClass,
} from './failureClass.js';
export type { FailureClass } from './failureClass.js';
export type { YamlSyntaxProblem } from './describeYamlError.js';

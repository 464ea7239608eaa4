export { ErrorCode, isErrorCode } from './codes.js';
export { RuntimeError, isRuntimeError, toWireError } from './RuntimeError.js';
export type { WireError, RuntimeErrorOptions } from './RuntimeError.js';
export { parseOptions, formatPath } from './parseOptions.js';
export type { OptionIssue } from './parseOptions.js';
export { describeYamlError } from './describeYamlError.js';
export type { YamlSyntaxProblem } from './describeYamlError.js';

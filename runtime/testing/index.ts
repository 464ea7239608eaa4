export { startNatsServer } from './startNatsServer.js';
export { findNatsServer } from './findNatsServer.js';
export type { NatsServerHandle } from './startNatsServer.js';
export type {
  StartNatsServerOptions,
  NatsServerAuth,
  NatsServerUser,
} from './StartNatsServerOptions.js';
export { TestClock } from '../clock/index.js';
export type { Settleable } from '../clock/index.js';
export { startNatsCluster } from './startNatsCluster.js';
export type { NatsClusterHandle, StartNatsClusterOptions } from './startNatsCluster.js';
export { generateTestCertificates } from './generateTestCertificates.js';
export type { TestCertificates } from './generateTestCertificates.js';
export { waitFor, WaitForTimeoutError } from './waitFor.js';
export type { WaitForOptions } from './waitFor.js';
export { expectRuntimeError, ExpectedRuntimeError } from './expectRuntimeError.js';
export type { ExpectRuntimeErrorResult } from './expectRuntimeError.js';
export { parseExposition } from './parseExposition.js';
export type { ExpositionFamily, ExpositionSample } from './parseExposition.js';
export { startToxicProxy } from './startToxicProxy.js';
export type { Toxic, ToxicProxy, ToxicProxyOptions } from './startToxicProxy.js';

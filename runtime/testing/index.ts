export { startNatsServer, findNatsServer } from './startNatsServer.js';
export type { NatsServerHandle, StartNatsServerOptions } from './startNatsServer.js';
export { TestClock, flushMicrotasks } from '../clock/index.js';
export type { NatsServerAuth, NatsServerUser } from './startNatsServer.js';
export { startNatsCluster } from './startNatsCluster.js';
export type { NatsClusterHandle, StartNatsClusterOptions } from './startNatsCluster.js';
export { generateTestCertificates } from './generateTestCertificates.js';
export type { TestCertificates } from './generateTestCertificates.js';

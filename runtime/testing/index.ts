export { startNatsServer, findNatsServer } from './startNatsServer.js';
export type { NatsServerHandle, StartNatsServerOptions } from './startNatsServer.js';
export { TestClock, flushMicrotasks } from '../clock/index.js';

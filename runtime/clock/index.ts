export type { Clock, TimerHandle } from './Clock.js';
export { systemClock, createSystemClock, nextMacrotask, scheduleMacrotask } from './systemClock.js';
export type { SystemClockOptions } from './systemClock.js';
export { TestClock, flushMicrotasks } from './TestClock.js';
export { DeadlineTimer } from './DeadlineTimer.js';
export type { DeadlineEntry } from './DeadlineTimer.js';

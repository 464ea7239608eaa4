export type { Clock, TimerHandle } from './Clock.js';
export { systemClock, createSystemClock, nextMacrotask, scheduleMacrotask } from './systemClock.js';
export type { SystemClockOptions } from './systemClock.js';
export { TestClock } from './TestClock.js';
export type { Settleable } from './TestClock.js';
export { DeadlineTimer } from './DeadlineTimer.js';
export type { DeadlineEntry } from './DeadlineTimer.js';

export { disposable, type Disposable } from './Disposable.js';
export { Listeners } from './Listeners.js';

export { checkTree } from './checkTree.js';
export type {
  CheckTreeOptions,
  TreeCheckReport,
  TreeProperty,
  TreePropertyResult,
  WorkerFigures,
} from './checkTree.js';
export { JournalWatcher, checkJournal, watchJournal } from './JournalWatcher.js';
export type { JournalViolation, JournalWatcherOptions, LiveProperty } from './JournalWatcher.js';

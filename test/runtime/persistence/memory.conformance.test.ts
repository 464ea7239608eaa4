import { MemoryCheckpointStore, MemoryJournal } from '../../../runtime/persistence/index.js';
import { describeCheckpointStoreConformance } from './conformance/checkpointStore.js';
import { describeJournalConformance } from './conformance/journal.js';

describeCheckpointStoreConformance('MemoryCheckpointStore', () => {
  const store = new MemoryCheckpointStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});

describeJournalConformance('MemoryJournal', () => {
  const journal = new MemoryJournal();
  return Promise.resolve({ journal, cleanup: () => journal.close() });
});

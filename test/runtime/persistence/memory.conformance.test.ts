import { MemoryCheckpointStore, MemoryJournal } from '../../../runtime/persistence/index.js';
import { describeCheckpointStoreConformance } from './conformance/checkpointStore.js';
import { describeJournalConformance } from './conformance/journal.js';
import { describeRecoveryConformance } from './conformance/recovery.js';

describeCheckpointStoreConformance('MemoryCheckpointStore', () => {
  const store = new MemoryCheckpointStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});

describeJournalConformance('MemoryJournal', () => {
  const journal = new MemoryJournal();
  return Promise.resolve({ journal, cleanup: () => journal.close() });
});

describeRecoveryConformance('MemoryCheckpointStore + MemoryJournal', () => {
  const store = new MemoryCheckpointStore();
  return Promise.resolve({
    store,
    journal: new MemoryJournal(),
    putRaw: (actor, bytes) => {
      store.putRaw(actor, bytes);
      return Promise.resolve();
    },
    // The process that held the journal is gone; the checkpoints were elsewhere.
    loseJournal: () => Promise.resolve(new MemoryJournal()),
    knowsItsStart: true,
    cleanup: () => store.close(),
  });
});

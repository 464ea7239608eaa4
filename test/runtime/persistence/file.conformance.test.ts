import type { Journal } from '../../../runtime/persistence/index.js';
import { FileCheckpointStore, FileJournal } from '../../../runtime/persistence/index.js';
import { describeCheckpointStoreConformance } from './conformance/checkpointStore.js';
import { describeJournalConformance } from './conformance/journal.js';
import { makeTempDir } from './tempDir.js';

describeCheckpointStoreConformance('FileCheckpointStore', async () => {
  const temp = await makeTempDir('ckpt');
  const store = await FileCheckpointStore.open({ dir: temp.dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await temp.remove();
    },
  };
});

describeJournalConformance('FileJournal', async () => {
  const temp = await makeTempDir('journal');
  let current: Journal = await FileJournal.open({ dir: temp.dir });
  return {
    journal: current,
    reopen: async () => (current = await FileJournal.open({ dir: temp.dir })),
    cleanup: async () => {
      await current.close();
      await temp.remove();
    },
  };
});

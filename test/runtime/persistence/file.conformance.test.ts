import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../../../runtime/persistence/index.js';
import { FileCheckpointStore, FileJournal } from '../../../runtime/persistence/index.js';
import { actorFileStem } from '../../../runtime/persistence/internal/actorFileStem.js';
import { frameCheckpoint } from '../../../runtime/persistence/internal/checkpointFile.js';
import { describeCheckpointStoreConformance } from './conformance/checkpointStore.js';
import { describeJournalConformance } from './conformance/journal.js';
import { describeRecoveryConformance } from './conformance/recovery.js';
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

describeRecoveryConformance('FileCheckpointStore + FileJournal', async () => {
  const temp = await makeTempDir('recovery');
  const ckptDir = join(temp.dir, 'checkpoints');
  const journalDir = join(temp.dir, 'journal');
  const store = await FileCheckpointStore.open({ dir: ckptDir });
  let journal: Journal = await FileJournal.open({ dir: journalDir });
  return {
    store,
    journal,
    putRaw: async (actor, bytes) => {
      // A well-framed file (its CRC holds) whose payload is not a valid checkpoint of the actor.
      const dir = join(ckptDir, actorFileStem(actor));
      const revisions = (await readdir(dir))
        .map((n) => Number.parseInt(n, 10))
        .filter((n) => n > 0);
      const next = String(Math.max(0, ...revisions) + 1).padStart(16, '0');
      await writeFile(join(dir, `${next}.ckpt`), frameCheckpoint(bytes));
    },
    loseJournal: async (actor) => {
      await journal.close();
      await rm(join(journalDir, `${actorFileStem(actor)}.journal`));
      journal = await FileJournal.open({ dir: journalDir });
      return journal;
    },
    knowsItsStart: true,
    cleanup: async () => {
      await store.close();
      await journal.close();
      await temp.remove();
    },
  };
});

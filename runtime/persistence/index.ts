export { CheckpointSchema, CHECKPOINT_VERSION } from './Checkpoint.js';
export type { Checkpoint, StoredCheckpoint, SkippedCheckpoint } from './Checkpoint.js';
export type {
  CheckpointStore,
  PutCheckpointOptions,
  LatestCheckpoint,
  CheckpointInfo,
} from './CheckpointStore.js';
export { JournalEventSchema, JOURNAL_EVENT_KINDS } from './Journal.js';
export type {
  Journal,
  JournalEvent,
  JournalEntry,
  AppendOptions,
  JournalRepair,
} from './Journal.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  encodeJournalEvent,
  decodeJournalEvent,
  DEFAULT_MAX_CHECKPOINT_BYTES,
} from './codec.js';
export { MemoryCheckpointStore } from './MemoryCheckpointStore.js';
export { MemoryJournal } from './MemoryJournal.js';
export { Persister } from './Persister.js';
export { CheckpointWriter } from './internal/CheckpointWriter.js';
export type { CheckpointWriterDeps } from './internal/CheckpointWriter.js';
export { CheckpointPolicySchema } from './CheckpointPolicy.js';
export type { CheckpointPolicy } from './CheckpointPolicy.js';
export type { CheckpointMigration, PersistenceOptions } from './PersistenceOptions.js';
export type { Recovered, RecoverOptions } from './Recovered.js';
export { forkCheckpoint, readTrace } from './timeTravel.js';
export type { TraceLine } from './timeTravel.js';
export { FileCheckpointStore, FileCheckpointStoreOptionsSchema } from './FileCheckpointStore.js';
export type { FileCheckpointStoreOptions } from './FileCheckpointStore.js';
export { FileJournal, FileJournalOptionsSchema } from './FileJournal.js';
export type { FileJournalOptions } from './FileJournal.js';
export { EffectLedger, uncertainEffect, failedOutcome } from './EffectLedger.js';
export type { EffectOutcome, EffectRecord } from './EffectLedger.js';
export {
  JetStreamCheckpointStore,
  JetStreamCheckpointStoreOptionsSchema,
} from './JetStreamCheckpointStore.js';
export type { JetStreamCheckpointStoreOptions } from './JetStreamCheckpointStore.js';
export { JetStreamJournal, JetStreamJournalOptionsSchema } from './JetStreamJournal.js';
export type { JetStreamJournalOptions } from './JetStreamJournal.js';

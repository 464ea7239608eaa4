/**
 * The NATS toolbox of the distribution side: opening KV buckets, key tokens, compare-and-set
 * writes, epoch claims, key listing and the names of buckets and streams. Internal to the
 * runtime: code outside this folder imports only this file.
 */
export { openBucket, openExistingBucket } from './openBucket.js';
export type { BucketSpec } from './openBucket.js';
export { kvToken, fromKvToken, kvKey, encodeRecord, decodeRecord } from './kvCodec.js';
export { casWrite, isCasConflict } from './casWrite.js';
export type { CasOutcome } from './casWrite.js';
export { claimEpoch, nextEpoch } from './claimEpoch.js';
export type { ClaimOutcome, EpochEntry } from './claimEpoch.js';
export { listKeys } from './listKeys.js';
export { natsNames, NATS_BUCKETS, NATS_JOURNAL } from './natsNames.js';
export type { NatsNames } from './natsNames.js';

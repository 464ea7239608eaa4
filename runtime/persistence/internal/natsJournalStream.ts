import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import { nats } from './natsErrors.js';

/** @internal What the journal's stream must be. */
export interface JournalStreamSpec {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly duplicateWindowMs: number;
}

/**
 * @internal The journal's stream, created when missing: `<subjectPrefix>.*`, file storage, limits
 * retention, direct gets allowed, the given duplicate window. An existing stream is used as it
 * is, provided it takes the journal's subjects.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when the stream exists without the journal's
 *   subjects; ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
 */
export async function openJournalStream(
  nc: NatsConnection,
  spec: JournalStreamSpec,
): Promise<{ jsm: JetStreamManager; info: StreamInfo }> {
  const wildcard = `${spec.subjectPrefix}.*`;
  const { jsm, info } = await nats('open stream', spec.stream, async () => {
    const manager = await jetstreamManager(nc);
    return { jsm: manager, info: await ensureStream(manager, spec, wildcard) };
  });
  checkSubjects(spec, info);
  return { jsm, info };
}

/**
 * @internal The journal's stream if it exists, never creating it (read-only use); checked like
 * {@link openJournalStream}.
 *
 * @throws {RuntimeError} as {@link openJournalStream}.
 */
export async function findJournalStream(
  jsm: JetStreamManager,
  spec: JournalStreamSpec,
): Promise<StreamInfo | undefined> {
  const info = await nats('open stream', spec.stream, async () => {
    try {
      return await jsm.streams.info(spec.stream);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
        return undefined;
      }
      throw error;
    }
  });
  if (info !== undefined) checkSubjects(spec, info);
  return info;
}

/** @throws {RuntimeError} ERR_INVALID_OPTIONS when the stream does not take the journal's subjects. */
function checkSubjects(spec: JournalStreamSpec, info: StreamInfo): void {
  const wildcard = `${spec.subjectPrefix}.*`;
  const covered = [wildcard, `${spec.subjectPrefix}.>`, '>'];
  const { subjects } = info.config;
  if (!subjects.some((s) => covered.includes(s))) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Stream ${spec.stream} exists but does not take ${wildcard} (subjects: ${subjects.join(', ')})`,
      { details: { stream: spec.stream, subjects, wanted: wildcard } },
    );
  }
}

/** The stream's info, creating it when missing (another node may create it at the same time). */
async function ensureStream(
  jsm: JetStreamManager,
  spec: JournalStreamSpec,
  wildcard: string,
): Promise<StreamInfo> {
  try {
    return await jsm.streams.info(spec.stream);
  } catch (error) {
    const notFound =
      error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
    if (!notFound) throw error;
  }
  try {
    return await jsm.streams.add({
      name: spec.stream,
      subjects: [wildcard],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
      duplicate_window: nanos(spec.duplicateWindowMs),
      allow_direct: true,
    });
  } catch (error) {
    // Lost a creation race: the winner's stream is as good.
    const info = await jsm.streams.info(spec.stream).catch(() => undefined);
    if (info === undefined) throw error;
    return info;
  }
}

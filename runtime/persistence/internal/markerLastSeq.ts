import type { SubjectMessage } from './natsSubjectReader.js';

/**
 * @internal Header of a JetStream journal's truncation marker: the journal's last sequence when
 * everything was truncated. Only markers carry it; reads pass over them.
 */
export const MARKER_LAST_SEQ = 'Agentvisor-Journal-Last-Seq';

/** @internal The last sequence a truncation marker remembers; undefined for any other message. */
export function markerLastSeq(message: SubjectMessage): number | undefined {
  const value = message.header(MARKER_LAST_SEQ);
  return value === '' ? undefined : Number(value);
}

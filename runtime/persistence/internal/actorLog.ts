import * as fs from 'node:fs/promises';
import { ErrorCode, RuntimeError, isRuntimeError } from '../../errors/index.js';
import type { JournalRepair } from '../Journal.js';
import { actorFileStem, actorFromStem } from './actorFileStem.js';
import { errnoCode, io, storeUnavailable } from './durable.js';
import { readHeader, scanRecords, type RecordRef } from './journalFile.js';

/** @internal One actor's journal as FileJournal knows it. */
export interface ActorLog {
  readonly actor: string;
  readonly file: string;
  /** Open for reading and writing; undefined until the file exists. */
  handle: fs.FileHandle | undefined;
  /** The last sequence before the first record (raised by truncation). */
  baseSeq: number;
  /** Where the next record goes. */
  end: number;
  last: number;
  /** Every record in the file, in order. */
  records: RecordRef[];
  /** Event id → sequence, for dedupe. */
  readonly ids: Map<string, number>;
}

/** @internal A journal file loaded, or refused because its header is unreadable. */
export type LoadedLog =
  | { readonly status: 'ready'; readonly log: ActorLog }
  | { readonly status: 'broken'; readonly error: RuntimeError };

/**
 * @internal Loads the journal file `file` (named from `stem`), checking every record and cutting a
 * bad tail (reported through `report`). `actor` is known on a lazy load: then a missing file is an
 * empty journal; on open it is undefined and the actor comes from the file's header.
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE on I/O failure.
 */
export async function loadActorLog(
  file: string,
  stem: string,
  actor: string | undefined,
  report: (repair: JournalRepair) => void,
): Promise<LoadedLog> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r+');
  } catch (error) {
    if (actor === undefined || errnoCode(error) !== 'ENOENT') {
      throw storeUnavailable('open', file, error);
    }
    const log = { actor, file, handle: undefined, baseSeq: 0, end: 0, last: 0 };
    return { status: 'ready', log: { ...log, records: [], ids: new Map() } };
  }
  try {
    return await io('read', file, async () => {
      const { size } = await handle.stat();
      let header;
      try {
        header = await readHeader(handle, size, file);
        // A file copied or renamed from another actor (or a hashed-name collision).
        if (actorFileStem(header.actor) !== stem) {
          throw new RuntimeError(ErrorCode.CorruptData, `Journal ${file} is ${header.actor}'s`, {
            details: { where: file, found: header.actor },
          });
        }
      } catch (error) {
        if (!isRuntimeError(error, ErrorCode.CorruptData)) throw error;
        await handle.close();
        // Not repaired: starting the actor over would reuse sequences a reader may have seen.
        report({
          actor: actor ?? actorFromStem(stem),
          truncatedBytes: 0,
          reason: `${error.message}; file left untouched, its actor's calls fail`,
        });
        return { status: 'broken', error };
      }
      const scan = await scanRecords(handle, size, header);
      if (scan.damage === 'corrupt') {
        await handle.close();
        // Records after the bad spot were acknowledged: cutting them would lose them silently.
        const lastGoodSeq = scan.records.at(-1)?.seq ?? header.baseSeq;
        const error = new RuntimeError(
          ErrorCode.CorruptData,
          `Journal ${file} of ${header.actor} is corrupt at byte ${scan.end} (${scan.problem ?? ''}), before its end`,
          { details: { where: file, offset: scan.end, problem: scan.problem, lastGoodSeq } },
        );
        report({
          actor: header.actor,
          truncatedBytes: 0,
          reason: `${error.message}; file left untouched, its actor's calls fail`,
        });
        return { status: 'broken', error };
      }
      if (scan.problem !== undefined) {
        await handle.truncate(scan.end);
        await handle.sync();
        const cut = size - scan.end;
        report({
          actor: header.actor,
          truncatedBytes: cut,
          reason: `${scan.problem} at byte ${scan.end}: cut the ${cut} bytes from there to the end`,
        });
      }
      const ids = new Map<string, number>();
      for (const r of scan.records) {
        if (r.id !== undefined && !ids.has(r.id)) ids.set(r.id, r.seq);
      }
      const last = scan.records.at(-1)?.seq ?? header.baseSeq;
      const log = { actor: header.actor, file, handle, baseSeq: header.baseSeq, last };
      return { status: 'ready', log: { ...log, end: scan.end, records: scan.records, ids } };
    });
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** @internal The first index whose record satisfies `pred` (false…false true…true), by bisection. */
export function firstIndex(records: readonly RecordRef[], pred: (r: RecordRef) => boolean): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(records[mid] as RecordRef)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

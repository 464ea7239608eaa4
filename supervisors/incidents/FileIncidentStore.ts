import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import type { Incident } from './Incident.js';
import {
  byStart,
  matchesFilter,
  parseStoredIncident,
  type IncidentStore,
} from './IncidentStore.js';

const SUFFIX = '.incident.json';

/** The file name of an incident id: URL-safe base64 of it, so any id is one valid name. */
function fileOf(dir: string, id: string): string {
  return join(dir, `${Buffer.from(id, 'utf8').toString('base64url')}${SUFFIX}`);
}

async function readRecord(path: string, id: string): Promise<Incident | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeError(ErrorCode.StoreUnavailable, `Cannot read incident ${id}`, {
      cause: err,
      details: { id, path },
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new RuntimeError(ErrorCode.CorruptData, `Stored incident ${id} is not JSON`, {
      cause,
      details: { id, path },
    });
  }
  return parseStoredIncident(id, raw);
}

/**
 * An {@link IncidentStore} in a directory: one readable JSON file per incident, replaced
 * atomically (written to a temporary file, then renamed), so a crash leaves the old or the new
 * record, never a torn one. The directory is created when missing.
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE on I/O failure; ERR_CORRUPT_DATA for a record
 *   that is not a valid incident.
 */
export function createFileIncidentStore(dir: string): IncidentStore {
  let ready: Promise<unknown> | undefined;
  const ensure = (): Promise<unknown> => (ready ??= mkdir(dir, { recursive: true }));
  let counter = 0;
  return {
    async put(incident) {
      const checked = parseStoredIncident(incident.id, incident);
      await ensure();
      const path = fileOf(dir, incident.id);
      const tmp = `${path}.${process.pid}.${++counter}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(checked, null, 2)}\n`);
        await rename(tmp, path);
      } catch (cause) {
        throw new RuntimeError(ErrorCode.StoreUnavailable, `Cannot write incident ${incident.id}`, {
          cause,
          details: { id: incident.id, path },
        });
      }
    },
    get(id) {
      return readRecord(fileOf(dir, id), id);
    },
    async list(filter = {}) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new RuntimeError(ErrorCode.StoreUnavailable, `Cannot list incidents in ${dir}`, {
          cause: err,
          details: { dir },
        });
      }
      const found: Incident[] = [];
      for (const name of names.filter((n) => n.endsWith(SUFFIX))) {
        const id = Buffer.from(name.slice(0, -SUFFIX.length), 'base64url').toString('utf8');
        const incident = await readRecord(join(dir, name), id);
        if (incident !== undefined) found.push(incident);
      }
      return found.filter((i) => matchesFilter(i, filter)).sort(byStart);
    },
  };
}

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ErrorCode, RuntimeError, kvToken } from 'agentvisor/internal';
import type { Escalation, EscalationResolution, ResolvedEscalation } from './Escalation.js';
import {
  closed,
  notFound,
  parseRecord,
  type EscalationFilter,
  type EscalationStore,
} from './EscalationStore.js';

/**
 * An {@link EscalationStore} in a directory: one JSON file per escalation, readable with `cat`
 * and shared by every process that opens the same directory. A record is `<token>.open.json`
 * while open and `<token>.resolved.json` once decided (`<token>` is the id as base64url).
 *
 * Resolve is a compare-and-set across processes: the resolved record is written to a temporary
 * file and hard-linked to its final name, which fails when that name exists, so of concurrent
 * resolvers exactly one wins and the others get ERR_ESCALATION_CLOSED naming the winner. Writes
 * are whole files renamed into place: a reader never sees half a record.
 *
 * It has no {@link EscalationStore.watchResolved}: a decision made by another process reaches a
 * child here when its supervisor rebinds it (use the JetStream store for a cluster).
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE from any method when the directory cannot be
 *   read or written.
 * @example
 * const tree = await createSupervisionTree(system, policy, {
 *   escalationStore: createFileEscalationStore('./data/escalations'),
 * });
 */
export function createFileEscalationStore(dir: string): EscalationStore {
  const openFile = (id: string) => path.join(dir, `${kvToken(id)}.open.json`);
  const resolvedFile = (id: string) => path.join(dir, `${kvToken(id)}.resolved.json`);
  const appliedFile = (id: string) => path.join(dir, `${kvToken(id)}.applied`);
  let made: Promise<void> | undefined;
  const ensureDir = () =>
    (made ??= io('create', dir, async () => {
      await fs.mkdir(dir, { recursive: true });
    }));

  const read = async (id: string): Promise<Escalation | undefined> => {
    const raw = (await readText(resolvedFile(id))) ?? (await readText(openFile(id)));
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    return parseRecord(id, parsed);
  };

  const writeTemp = async (record: Escalation): Promise<string> => {
    await ensureDir();
    const temp = path.join(dir, `.${randomUUID()}.tmp`);
    await io('write', temp, () => fs.writeFile(temp, JSON.stringify(record)));
    return temp;
  };

  return {
    async put(record) {
      const temp = await writeTemp(record);
      if (record.status === 'open') {
        await io('rename', temp, () => fs.rename(temp, openFile(record.id)));
        await io('remove', resolvedFile(record.id), () =>
          fs.rm(resolvedFile(record.id), { force: true }),
        );
      } else {
        await io('rename', temp, () => fs.rename(temp, resolvedFile(record.id)));
      }
    },
    get: read,
    async markApplied(id, at) {
      await ensureDir();
      await io('write', appliedFile(id), () => fs.writeFile(appliedFile(id), String(at)));
    },
    async appliedAt(id) {
      const text = await readText(appliedFile(id));
      return text === undefined ? undefined : Number(text);
    },
    async list(filter: EscalationFilter = {}) {
      await ensureDir();
      const names = await io('list', dir, () => fs.readdir(dir));
      const ids = new Set<string>();
      for (const name of names) {
        const match = /^([A-Za-z0-9_-]*)\.(open|resolved)\.json$/.exec(name);
        if (match !== null) ids.add(Buffer.from(match[1] ?? '', 'base64url').toString('utf8'));
      }
      const out: Escalation[] = [];
      for (const id of ids) {
        const record = await read(id);
        if (record === undefined) continue;
        if (filter.status !== undefined && record.status !== filter.status) continue;
        if (filter.supervisor !== undefined && record.supervisor !== filter.supervisor) continue;
        out.push(record);
      }
      // Ties (same ms) in id order: a directory listing has no insertion order.
      return out.sort((a, b) => a.raisedAt - b.raisedAt || (a.id < b.id ? -1 : 1));
    },
    async resolve(id: string, resolution: EscalationResolution) {
      const current = await read(id);
      if (current === undefined) throw notFound(id);
      if (current.status !== 'open') throw closed(current);
      const next: ResolvedEscalation = { ...current, status: 'resolved', resolution };
      const temp = await writeTemp(next);
      try {
        await fs.link(temp, resolvedFile(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw unavailable('link', resolvedFile(id), error);
        }
        const winner = await read(id);
        if (winner?.status === 'resolved') throw closed(winner);
        throw notFound(id);
      } finally {
        await fs.rm(temp, { force: true });
      }
      return structuredClone(next);
    },
  };
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable('read', file, error);
  }
}

async function io<T>(op: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw unavailable(op, file, error);
  }
}

function unavailable(op: string, file: string, cause: unknown): RuntimeError {
  return new RuntimeError(ErrorCode.StoreUnavailable, `Cannot ${op} escalation file ${file}`, {
    cause,
    details: { file },
  });
}

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileIncidentStore, createMemoryIncidentStore } from 'agentvisor/supervisors';
import { describeIncidentStore, sampleIncident } from './incidentStoreConformance.js';

describe('memory incident store', () => {
  describeIncidentStore(() => createMemoryIncidentStore());
});

describe('file incident store', () => {
  describeIncidentStore(() => createFileIncidentStore(mkdtempSync(join(tmpdir(), 'incidents-'))));

  it('reports a corrupt file with ERR_CORRUPT_DATA naming the id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'incidents-'));
    const store = createFileIncidentStore(dir);
    await store.put(sampleIncident('x', 1));
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file ?? ''), '{"id":"x"}');
    await expect(store.get('x')).rejects.toMatchObject({
      code: 'ERR_CORRUPT_DATA',
      details: { id: 'x' },
    });
    writeFileSync(join(dir, file ?? ''), 'not json');
    await expect(store.list()).rejects.toMatchObject({ code: 'ERR_CORRUPT_DATA' });
  });

  it('lists nothing for a directory that does not exist yet', async () => {
    const store = createFileIncidentStore(
      join(mkdtempSync(join(tmpdir(), 'incidents-')), 'not-yet'),
    );
    expect(await store.list()).toStrictEqual([]);
  });
});

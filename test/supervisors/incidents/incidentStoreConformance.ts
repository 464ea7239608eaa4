import { expect, it } from 'vitest';
import type { Incident, IncidentStore } from 'agentvisor/supervisors';

/** An incident record for store tests. */
export function sampleIncident(id: string, started: number, agent = 'desk'): Incident {
  return {
    id,
    title: `incident ${id}`,
    severity: 2,
    status: 'open',
    timestamps: { started, detected: started + 10 },
    agents: [agent],
    nodes: [],
    signals: [{ kind: 'alert', agent, at: started, source: `alert:${id}` }],
    chain: [],
    links: [`alert:${id}`],
    notes: [],
    actionItems: [],
  };
}

/** The conformance suite every IncidentStore passes (memory, file, JetStream KV). */
export function describeIncidentStore(make: () => Promise<IncidentStore> | IncidentStore): void {
  it('stores, reads back and replaces records', async () => {
    const store = await make();
    expect(await store.get('nope')).toBeUndefined();
    const record = sampleIncident('a/1.x', 100);
    await store.put(record);
    expect(await store.get('a/1.x')).toStrictEqual(record);
    await store.put({
      ...record,
      status: 'mitigated',
      timestamps: { ...record.timestamps, mitigated: 200 },
    });
    expect((await store.get('a/1.x'))?.status).toBe('mitigated');
  });

  it('hands out copies', async () => {
    const store = await make();
    const record = sampleIncident('copy', 100);
    await store.put(record);
    record.agents.push('mutated');
    const read = await store.get('copy');
    read?.agents.push('again');
    expect((await store.get('copy'))?.agents).toStrictEqual(['desk']);
  });

  it('lists oldest first and filters by status, agent and period', async () => {
    const store = await make();
    await store.put(sampleIncident('late', 300, 'b'));
    await store.put(sampleIncident('early', 100, 'a'));
    await store.put({
      ...sampleIncident('mid', 200, 'a'),
      status: 'resolved',
      timestamps: { started: 200, detected: 210, acknowledged: 220, mitigated: 230, resolved: 240 },
    });
    expect((await store.list()).map((i) => i.id)).toStrictEqual(['early', 'mid', 'late']);
    expect((await store.list({ status: 'open' })).map((i) => i.id)).toStrictEqual([
      'early',
      'late',
    ]);
    expect((await store.list({ agent: 'a' })).map((i) => i.id)).toStrictEqual(['early', 'mid']);
    expect((await store.list({ from: 150, to: 300 })).map((i) => i.id)).toStrictEqual(['mid']);
  });

  it('refuses to store a record the schema refuses', async () => {
    const store = await make();
    await expect(store.put({ ...sampleIncident('bad', 1), severity: 9 })).rejects.toMatchObject({
      code: 'ERR_CORRUPT_DATA',
    });
  });
}

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { kvToken } from 'agentvisor/internal';
import {
  createFileEscalationStore,
  createMemoryEscalationStore,
  type Escalation,
} from '../../../supervisors/escalation/index.js';
import { describeEscalationStore, openRecord } from './escalationStoreConformance.js';

describeEscalationStore('memory', () => {
  const store = createMemoryEscalationStore();
  return Promise.resolve({
    store,
    corrupt: (id: string) =>
      store.put({ ...openRecord(id, 2_000), failureClass: 'gremlins' } as unknown as Escalation),
  });
});

describeEscalationStore('file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'escalations-'));
  return {
    store: createFileEscalationStore(dir),
    corrupt: async (id: string) => {
      await fs.writeFile(path.join(dir, `${kvToken(id)}.open.json`), '{"v":1,"id":');
    },
    reopen: () => Promise.resolve(createFileEscalationStore(dir)),
  };
});

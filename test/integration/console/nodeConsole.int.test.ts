import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { makeTempDir } from '../../runtime/persistence/tempDir.js';
import { startNodeProcess, type NodeProcess } from '../cluster/fixtures/nodeProcess.js';
import { waitFor } from '../cluster/fixtures/waitFor.js';

const agentsModule = fileURLToPath(new URL('../cluster/fixtures/agents.ts', import.meta.url));
const VIEWER = 'viewer-token-0123456789';

let server: NatsServerHandle;
let tmp: { dir: string; remove(): Promise<void> };
const processes: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  tmp = await makeTempDir('node-console');
});

afterAll(async () => {
  for (const p of processes) p.signal('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await server.stop();
  await tmp.remove();
});

describe('agentvisor node --console', () => {
  it('serves the console of a node: its status and members, its actors, viewer tokens from the config', async () => {
    const path = join(tmp.dir, 'console.yaml');
    await writeFile(
      path,
      `namespace: console\nagents: ${agentsModule}\nunits:\n  - { name: c1, agent: tally }\n` +
        `console:\n  port: 1\n  tokens:\n    - { token: ${VIEWER}, role: viewer }\n`,
    );
    const node = startNodeProcess(path, 'n1', server.url, {}, ['--console', '127.0.0.1:0']);
    processes.push(node);
    const url = await waitFor(
      'the console URL in the log',
      () => /"consoleUrl":"([^"]+)"/.exec(node.output())?.[1],
      60_000,
    ).catch((err: unknown) => {
      process.stderr.write(node.output());
      throw err;
    });
    const auth = { headers: { authorization: `Bearer ${VIEWER}` } };
    expect((await fetch(`${url}/api/nodes`)).status).toBe(401);
    const nodes = await fetch(`${url}/api/nodes`, auth);
    expect(nodes.status).toBe(200);
    const body = (await nodes.json()) as { node: { node: string }; members: { node: string }[] };
    expect(body.node.node).toBe('n1');
    const actors = await waitFor(
      'the unit running',
      async () => {
        const res = await fetch(`${url}/api/actors`, auth);
        const list = ((await res.json()) as { actors: { name: string }[] }).actors;
        return list.some((a) => a.name === 'c1') ? list : undefined;
      },
      60_000,
    );
    expect(actors.map((a) => a.name)).toContain('c1');
    const posted = await fetch(`${url}/api/actors/c1/stop`, { ...auth, method: 'POST' });
    expect(posted.status).toBe(403);
  });
});

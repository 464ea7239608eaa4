import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClusterConfig, parseClusterConfig } from 'agentvisor/node';
import { makeTempDir } from '../runtime/persistence/tempDir.js';

let tmp: { dir: string; remove(): Promise<void> };
beforeEach(async () => {
  tmp = await makeTempDir('cluster-config');
});
afterEach(async () => {
  await tmp.remove();
});

async function file(name: string, text: string): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadClusterConfig', () => {
  it('reads a YAML config, resolves defaults and lets flags override the file', async () => {
    const path = await file(
      'cluster.yaml',
      [
        'namespace: desk',
        'node: from-file',
        'servers: nats://127.0.0.1:4222',
        'units:',
        '  - { name: writer, agent: writer, placement: { node: worker-1 } }',
        '  - { name: critic, agent: critic }',
        '  - { name: gpu, agent: critic, placement: { role: gpu } }',
      ].join('\n'),
    );
    const config = await loadClusterConfig(path, { node: 'worker-2' });
    expect(config.node).toBe('worker-2');
    expect(config.heartbeatMs).toBe(250);
    expect(config.deadAfterMs).toBe(1_000);
    expect(config.units.map((u) => u.placement)).toEqual([
      { node: 'worker-1' },
      'any',
      { role: 'gpu' },
    ]);
  });

  it('names the path of every invalid field', async () => {
    const path = await file(
      'bad.yaml',
      [
        'node: n1',
        'heartbeatMs: -5',
        'units:',
        '  - { name: a, agent: x }',
        '  - { name: a, agent: x, placement: somewhere }',
      ].join('\n'),
    );
    const error = await loadClusterConfig(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', details: { file: path } });
    const paths = (error as { details: { issues: { path: string }[] } }).details.issues.map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['heartbeatMs', 'units[1].placement']));
  });

  it('reports duplicate unit names with their index', () => {
    let error: unknown;
    try {
      parseClusterConfig({
        node: 'n',
        units: [
          { name: 'a', agent: 'x' },
          { name: 'a', agent: 'x' },
        ],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      details: { issues: [{ path: 'units[1].name' }] },
    });
  });

  it('refuses a missing file, a syntax error and a non-mapping with ERR_INVALID_OPTIONS', async () => {
    await expect(loadClusterConfig(join(tmp.dir, 'none.yaml'))).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    });
    const broken = await file('broken.yaml', 'node: [unclosed');
    await expect(loadClusterConfig(broken)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    const list = await file('list.yaml', '- a\n- b');
    await expect(loadClusterConfig(list)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    const dup = await file('dup.yaml', 'node: a\nnode: b');
    await expect(loadClusterConfig(dup)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

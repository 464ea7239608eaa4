import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, removed by `remove()`. */
export async function makeTempDir(
  prefix: string,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `agentvisor-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// scripts/find-nats-server.mjs is this search's twin for .ci/run and `npm test` (plain node, no
// build, before `npm ci`; the published dist cannot reach scripts/). Change both together:
// test/runtime/testing/findNatsServer.test.ts fails when they disagree.

/** Directories searched after PATH: Debian installs the binary in /usr/sbin, Homebrew in /usr/local/bin. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/bin'];

/**
 * Finds the `nats-server` binary: `NATS_SERVER_BIN` when set (and nothing else then), otherwise
 * the first executable `nats-server` on PATH, in /usr/sbin or in /usr/local/bin.
 *
 * @returns the binary's path, or `undefined` when there is none.
 */
export function findNatsServer(): string | undefined {
  const fromEnv = process.env['NATS_SERVER_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    return isExecutableFile(fromEnv) ? fromEnv : undefined;
  }
  const names = process.platform === 'win32' ? ['nats-server.exe', 'nats-server'] : ['nats-server'];
  for (const dir of natsServerSearchDirs()) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** @internal The directories {@link findNatsServer} searches: PATH, then /usr/sbin and /usr/local/bin. */
export function natsServerSearchDirs(): string[] {
  const fromPath = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  return [...new Set([...fromPath, ...EXTRA_DIRS])];
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

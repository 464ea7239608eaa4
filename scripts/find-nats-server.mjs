// Finds the nats-server binary: NATS_SERVER_BIN alone when set, else the first executable
// nats-server on PATH, in /usr/sbin (Debian) or in /usr/local/bin (Homebrew).
//
// The same search as runtime/testing/findNatsServer.ts (the published `findNatsServer` of
// agentvisor/testing). Two copies on purpose: this one runs with no build and before `npm ci`
// (.ci/run), so it is plain ESM with node: builtins only, and the published dist must not depend
// on scripts/. test/runtime/testing/findNatsServer.test.ts proves the two agree.
//
// As a CLI (`node scripts/find-nats-server.mjs`): prints the path and exits 0, or exits 1 with
// nothing on stdout when there is none.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import console from 'node:console';
import process from 'node:process';

/** Directories searched after PATH: Debian installs the binary in /usr/sbin, Homebrew in /usr/local/bin. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/bin'];

/** @param {string} file */
export function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The directories searched when NATS_SERVER_BIN is not set: PATH, then /usr/sbin and /usr/local/bin.
 * @returns {string[]}
 */
export function natsServerSearchDirs() {
  const fromPath = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  return [...new Set([...fromPath, ...EXTRA_DIRS])];
}

/**
 * The nats-server binary's path, or undefined when there is none.
 * @returns {string | undefined}
 */
export function findNatsServer() {
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

/** True when this file is the script node was asked to run (not imported). */
function isMain() {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const bin = findNatsServer();
  if (bin === undefined) process.exitCode = 1;
  else console.log(bin);
}

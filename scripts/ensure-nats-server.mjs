// Makes sure a nats-server binary is available before the test suite runs (the integration tests
// start real servers). Finds it with scripts/find-nats-server.mjs (the search of
// runtime/testing/findNatsServer.ts); when it is missing and apt-get can be run non-interactively
// (as root, or through `sudo -n`), installs it.
// Exit 0: nats-server is available. Exit 1: it is not, with one line saying how to get it.
import { execFileSync, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { findNatsServer, isExecutableFile } from './find-nats-server.mjs';

const MISSING =
  'nats-server not found: install it with "sudo apt-get install -y nats-server" (Debian/Ubuntu) or "brew install nats-server" (macOS), or set NATS_SERVER_BIN';

/** The first executable `name` on PATH or in the extra directories, or undefined. */
function which(/** @type {string} */ name, /** @type {string[]} */ extraDirs = []) {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of new Set([...dirs, ...extraDirs])) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Prints one line naming the binary and its version, and exits 0. */
function found(/** @type {string} */ bin) {
  let version;
  try {
    version = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    version = 'version unknown';
  }
  console.log(`nats-server: ${bin} (${version})`);
  process.exit(0);
}

/**
 * How to run apt-get without a prompt: directly as root, through `sudo -n` when that works, or
 * not at all (undefined).
 * @returns {string[] | undefined}
 */
function aptGetCommand() {
  const aptGet = which('apt-get', ['/usr/bin', '/usr/sbin', '/bin', '/sbin']);
  if (aptGet === undefined) return undefined;
  if (process.getuid?.() === 0) return [aptGet];
  const sudo = which('sudo', ['/usr/bin', '/bin']);
  if (sudo === undefined) return undefined;
  const probe = spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? [sudo, '-n', aptGet] : undefined;
}

/** Runs apt-get with `args`, its output on stderr; true when it succeeded. */
function runAptGet(/** @type {string[]} */ command, /** @type {string[]} */ args) {
  const [bin, ...prefix] = command;
  if (bin === undefined) return false;
  const result = spawnSync(bin, [...prefix, ...args], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const existing = findNatsServer();
if (existing !== undefined) found(existing);

const fromEnv = process.env['NATS_SERVER_BIN'];
if (fromEnv !== undefined && fromEnv !== '') {
  // An explicit choice that does not work: installing a package would not change it.
  console.error(`nats-server not found: NATS_SERVER_BIN=${fromEnv} is not an executable file`);
  process.exit(1);
}

const aptGet = aptGetCommand();
if (aptGet !== undefined) {
  console.error('nats-server not found; installing it with apt-get');
  const install = ['install', '-y', 'nats-server'];
  if (!runAptGet(aptGet, install) && runAptGet(aptGet, ['update'])) runAptGet(aptGet, install);
  const installed = findNatsServer();
  if (installed !== undefined) found(installed);
}

console.error(MISSING);
process.exit(1);

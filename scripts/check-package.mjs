// `npm run check:package`: packs the package as it would be published (prepack builds) and lints
// the tarball with publint (package.json fields, exports, files) and are-the-types-wrong (every
// entry point's types resolve, for node16 ESM; the package is ESM only, so the esm-only profile:
// CommonJS callers use import(), see README "Install"). Needs no network. Exit 0 when both pass.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import console from 'node:console';
import process from 'node:process';

const root = fileURLToPath(new URL('..', import.meta.url));
/** @param {string} name */
const bin = (name) => join(root, 'node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'agentvisor-check-package-'));
let status = 0;
try {
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = join(dir, packed.trim().split('\n').at(-1) ?? '');
  /** @type {[string, string[]][]} */
  const checks = [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--profile', 'esm-only']],
  ];
  for (const [name, args] of checks) {
    console.log(`$ ${name} ${args.join(' ')}`);
    try {
      execFileSync(bin(name), args, { cwd: root, stdio: 'inherit' });
    } catch {
      status = 1;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = status;

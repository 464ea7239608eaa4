import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Tests reach another layer's source only through the package entries (`agentvisor`,
 * `agentvisor/internal`, `agentvisor/actors`, `agentvisor/supervisors`, `agentvisor/node`,
 * `agentvisor/testing`), never by a relative path (issue 11). A unit test under test/<layer>/
 * may import its own layer's files by path; under test/runtime/<folder>/ another runtime folder
 * only through its index.js (STYLE §1). test/integration/ and every other test folder count as
 * outside every layer. The rule resolves each relative specifier against the importing file, which
 * an eslint pattern cannot (`../../actors/x` is a test fixture from one folder, source from another).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const LAYERS = ['runtime', 'actors', 'supervisors', 'node', 'ops'];

/** Every module specifier in `source`: static and type imports, re-exports, import(), vi.mock(). */
function specifiers(source: string): string[] {
  const found =
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\bvi\.(?:mock|doMock|importActual)\(\s*['"]([^'"]+)['"]/g;
  return [...source.matchAll(found)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
}

/** Why `specifier`, imported by the test file `file` (repo-relative, `/`-separated), is refused. */
function refusal(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier)).split('/');
  const [layer, folder, ...rest] = target;
  if (layer === undefined || !LAYERS.includes(layer)) return undefined; // test code, examples
  const [, ownLayer, ownFolder] = file.split('/');
  if (ownLayer !== layer) {
    return `${file} imports ${layer}/ by path (${specifier}): use the package entry`;
  }
  if (layer !== 'runtime' || folder === ownFolder) return undefined;
  if (rest.length === 1 && rest[0] === 'index.js') return undefined;
  return `${file} reaches into runtime/${folder ?? ''} (${specifier}): import its index.js`;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return /\.m?ts$/.test(entry.name) ? [path] : [];
  });
}

describe('test imports', () => {
  it('no test imports another layer’s source by relative path', () => {
    const refused = testFiles(join(root, 'test')).flatMap((path) => {
      const file = relative(root, path).split(sep).join('/');
      return specifiers(readFileSync(path, 'utf8'))
        .map((specifier) => refusal(file, specifier))
        .filter((reason) => reason !== undefined);
    });
    expect(refused).toEqual([]);
  });

  it.each([
    ['test/runtime/errors/x.test.ts', '../../../supervisors/classifyFailure.js'],
    ['test/actors/models/x.test.ts', '../../../runtime/clock/index.js'],
    ['test/integration/nats/x.int.test.ts', '../../../runtime/nats/index.js'],
    ['test/integration/cluster/x.int.test.ts', '../../../ops/formatClusterStatus.js'],
    ['test/fixtures/x.ts', '../../actors/index.js'],
    ['test/runtime/system/x.test.ts', '../../../runtime/persistence/internal/crc32.js'],
  ])('refuses %s importing %s', (file, specifier) => {
    expect(refusal(file, specifier)).toBeDefined();
  });

  it.each([
    ['test/runtime/persistence/x.test.ts', '../../../runtime/persistence/internal/crc32.js'],
    ['test/runtime/persistence/x.test.ts', '../../../runtime/codec/index.js'],
    ['test/ops/x.test.ts', '../../ops/formatClusterStatus.js'],
    ['test/actors/guards/x.test.ts', '../../runtime/resilience/drive.js'],
    ['test/integration/mailbox/x.int.test.ts', '../../runtime/system/fixtures.js'],
    ['test/integration/cluster/x.int.test.ts', 'agentvisor/internal'],
  ])('lets %s import %s', (file, specifier) => {
    expect(refusal(file, specifier)).toBeUndefined();
  });

  it('finds every kind of specifier', () => {
    const source = [
      "import { a } from '../a.js';",
      "import type {\n  B,\n} from '../b.js';",
      "export { c } from '../c.js';",
      "import '../d.js';",
      "const e = await import('../e.js');",
      "vi.mock('../f.js');",
    ].join('\n');
    expect(specifiers(source)).toEqual([
      '../a.js',
      '../b.js',
      '../c.js',
      '../d.js',
      '../e.js',
      '../f.js',
    ]);
  });
});

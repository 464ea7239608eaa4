import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md describes the code as it is (issue 11): every file it names exists, and
 * every function its behaviour table names sits in a file of the same row. A move that forgets
 * the page fails here.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const FOLDERS = ['runtime', 'actors', 'supervisors', 'node', 'ops', 'examples', 'test', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
const files = FOLDERS.filter((f) => existsSync(join(root, f))).flatMap(sourceFiles);

/** The files `name` may mean: a root file, a path from the repository root, or the tail of one. */
function resolve(name: string): string[] {
  if (!name.includes('/') && existsSync(join(root, name))) return [name]; // eslint.config.js
  const path = name.replace(/\.js$/, '.ts');
  if (FOLDERS.some((f) => path.startsWith(`${f}/`))) return files.filter((f) => f === path);
  return files.filter((f) => f.endsWith(`/${path}`));
}

/** File names in `text` (`runtime/system/ActorCell.ts`, `internal/admission.ts`, `index.js`). */
function fileNames(text: string): string[] {
  return [...text.matchAll(/[\w./-]*\w\.(?:ts|js)\b/g)]
    .map((m) => m[0])
    .filter((name) => !name.startsWith('.'));
}

describe('docs/architecture.md', () => {
  it('names only files that exist', () => {
    const missing = fileNames(doc).filter((name) => resolve(name).length === 0);
    expect(missing).toEqual([]);
  });

  it('places every function of the behaviour table in a file of its row', () => {
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('| ') && !/^\| (-|Behaviour)/.test(line));
    expect(rows.length).toBeGreaterThan(10);
    const misplaced = rows.flatMap((row) => {
      const texts = fileNames(row)
        .flatMap(resolve)
        .map((f) => readFileSync(join(root, f), 'utf8'));
      return [...row.matchAll(/`(#?[A-Za-z_][\w.]*)`/g)]
        .map((m) => m[1] ?? '')
        .filter((name) => {
          const member = name.split('.').at(-1) ?? name;
          return !texts.some((text) => text.includes(member));
        })
        .map((name) => `${row.split('|')[1]?.trim() ?? ''}: ${name}`);
    });
    expect(misplaced).toEqual([]);
  });

  it('resolves a path from the root and a file by the tail of its path', () => {
    expect(resolve('runtime/system/ActorCell.ts')).toEqual(['runtime/system/ActorCell.ts']);
    expect(resolve('internal/admission.ts')).toContain('runtime/system/internal/admission.ts');
    expect(resolve('runtime/cluster/ClusterNode.ts')).toEqual([]);
  });
});

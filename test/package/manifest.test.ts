import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { minVersion, satisfies } from 'semver';
import { describe, expect, it } from 'vitest';

// What package.json promises and what package-lock.json holds (issue 10 items 5 and 9). The
// packed tarball itself is checked by test/integration/package/package.int.test.ts and by
// `npm run check:package` (publint, are-the-types-wrong).
const read = (file: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8'));

interface Manifest {
  name: string;
  version: string;
  license: string;
  engines: { node: string };
  bin?: Record<string, string>;
  repository?: { type: string; url: string };
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string };
}
const manifest = read('package.json') as Manifest;
const lock = read('package-lock.json') as {
  packages: Record<string, LockEntry & Partial<Manifest>>;
};

describe('package.json and its lockfile', () => {
  it('records in the lockfile everything npm install would otherwise rewrite', () => {
    const rootEntry = lock.packages[''];
    for (const field of [
      'name',
      'version',
      'license',
      'engines',
      'bin',
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'peerDependenciesMeta',
    ] as const) {
      // npm records bin paths without their leading `./`.
      const expected =
        field === 'bin'
          ? Object.fromEntries(
              Object.entries(manifest.bin ?? {}).map(([k, v]) => [k, v.replace(/^\.\//, '')]),
            )
          : manifest[field];
      expect({ field, value: rootEntry?.[field] }).toEqual({ field, value: expected });
    }
  });

  it('depends on nothing that refuses the Node versions engines.node promises', () => {
    const floor = minVersion(manifest.engines.node);
    expect(floor).not.toBeNull();
    // What an app installs: every locked package that is not a dev dependency of ours.
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.dev !== true && entry.engines?.node)
      .filter(([, entry]) => !satisfies(floor ?? '0.0.0', entry.engines?.node ?? '*'))
      .map(
        ([path, entry]) => `${path}@${entry.version ?? '?'} (node ${entry.engines?.node ?? ''})`,
      );
    expect(refusing).toEqual([]);
  });

  it('takes xstate and zod as peers (also dev dependencies for our tests), tsx as an optional peer', () => {
    for (const peer of ['xstate', 'zod']) {
      expect(manifest.dependencies?.[peer]).toBeUndefined();
      expect(manifest.peerDependencies?.[peer]).toBeDefined();
      expect(manifest.devDependencies?.[peer]).toBe(manifest.peerDependencies?.[peer]);
    }
    expect(manifest.peerDependencies?.['tsx']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['tsx']?.optional).toBe(true);
  });

  it('builds before packing, names its repository and ships its license', () => {
    expect(manifest.scripts['prepack']).toContain('npm run build');
    expect(manifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/agentvisor/agentvisor.git',
    });
    expect(manifest.license).toBe('Apache-2.0');
    const license = readFileSync(fileURLToPath(new URL('../../LICENSE', import.meta.url)), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
  });
});

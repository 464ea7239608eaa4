/**
 * Issue 11 item 4: every name the curated entries export carries TSDoc, so an editor shows users
 * what each one is. Read with the TypeScript compiler's own view of the entry (aliases followed
 * to the declaration), not by grepping the source.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The compiler options of tsconfig.json. */
function sourceOptions(): ts.CompilerOptions {
  const path = `${root}tsconfig.json`;
  const { config } = ts.readConfigFile(path, (p) => ts.sys.readFile(p)) as { config: unknown };
  return ts.parseJsonConfigFileContent(config, ts.sys, root).options;
}

/** Exported names of `entry` whose declaration has no TSDoc comment. */
function undocumented(entry: string): { names: number; missing: string[] } {
  const file = `${root}${entry}`;
  // The sources' own view (tsconfig.json `paths`): self-references such as `agentvisor/internal`
  // resolve to the sources, not to a dist/ that may be stale or not built (a worktree).
  const program = ts.createProgram([file], {
    ...sourceOptions(),
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`cannot read ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  const exports = checker.getExportsOfModule(moduleSymbol);
  const missing = exports
    .filter((symbol) => {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declarations = target.getDeclarations() ?? [];
      const documented =
        target.getDocumentationComment(checker).length > 0 ||
        declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
      return !documented;
    })
    .map((s) => s.getName())
    .sort();
  return { names: exports.length, missing };
}

describe('curated entry points', () => {
  it.each([
    'runtime/index.ts',
    'runtime/testing/index.ts',
    'actors/index.ts',
    'supervisors/index.ts',
    'node/index.ts',
  ])(
    '%s: every export has TSDoc',
    (entry) => {
      const { names, missing } = undocumented(entry);
      expect(names).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    },
    60_000,
  );
});

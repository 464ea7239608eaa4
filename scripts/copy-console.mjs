// Part of `npm run build`: the web dashboard (ops/console: HTML, CSS, browser ES modules) is
// served as it is, so the build copies it beside the compiled console server
// (dist/ops/console), where ops/http/internal/consoleStatic.ts looks for it.
import { cpSync, rmSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../ops/console', import.meta.url));
const to = fileURLToPath(new URL('../dist/ops/console', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });

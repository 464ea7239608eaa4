import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

/** uPlot's browser files, served beside the dashboard's own. */
const VENDOR: Readonly<Record<string, string>> = {
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/**
 * The folder of the dashboard's static files: `ops/console` beside `ops/http`, from the sources
 * (tsx) as from `dist` (the build copies the folder, scripts/copy-console.mjs).
 */
export const consoleDir = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * `GET /` (the dashboard's page) and `GET /console/*` (its modules, styles and uPlot). Static
 * files hold no data, so they are served before the bearer check: the page asks for the token
 * and sends it with every API call. A path that leaves the folder is not found.
 */
export function consoleStatic(app: Hono): void {
  const require = createRequire(import.meta.url);
  const serve = async (file: string) => {
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
        },
      });
    } catch {
      return undefined;
    }
  };
  app.get('/', async (_c, next) => (await serve(join(consoleDir, 'index.html'))) ?? next());
  app.get('/console/*', async (c, next) => {
    const rest = decodeURIComponent(c.req.path.slice('/console/'.length));
    const vendor = VENDOR[rest];
    if (vendor !== undefined) return (await serve(require.resolve(vendor))) ?? next();
    const file = normalize(join(consoleDir, rest));
    if (!file.startsWith(consoleDir) || file.endsWith(sep)) return next();
    return (await serve(file)) ?? next();
  });
}

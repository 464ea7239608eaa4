import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = {
  'agentvisor/actors': fileURLToPath(new URL('./actors/index.ts', import.meta.url)),
  'agentvisor/supervisors': fileURLToPath(new URL('./supervisors/index.ts', import.meta.url)),
  'agentvisor/node': fileURLToPath(new URL('./node/index.ts', import.meta.url)),
  'agentvisor/internal': fileURLToPath(new URL('./runtime/internal.ts', import.meta.url)),
  'agentvisor/testing': fileURLToPath(new URL('./runtime/testing/index.ts', import.meta.url)),
  agentvisor: fileURLToPath(new URL('./runtime/index.ts', import.meta.url)),
};

// `.ci/run` sets VITEST_JSON_REPORT to a path: vitest then also writes a JSON report there.
const jsonReport = process.env['VITEST_JSON_REPORT'];
const reporting =
  jsonReport === undefined || jsonReport === ''
    ? {}
    : { reporters: ['default', 'json'], outputFile: { json: jsonReport } };

// Two projects (STYLE §8): `unit` has no network and no real time; `integration` talks to a real
// nats-server that each test file starts for itself.
export default defineConfig({
  resolve: { alias },
  test: {
    ...reporting,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', '**/node_modules/**'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.int.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});

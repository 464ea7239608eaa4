// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering (DESIGN.md): imports point one way, ops → node → {supervisors, actors} → runtime.
 * supervisors and actors are independent of each other (neither imports the other). Each layer
 * lists the layers it must never import: those above it, and its peer.
 */
const layerAbove = {
  runtime: ['actors', 'supervisors', 'node', 'ops'],
  actors: ['supervisors', 'node', 'ops'],
  supervisors: ['actors', 'node', 'ops'],
  node: ['ops'],
};

const upward = (layer) =>
  layerAbove[layer].flatMap((above) => [`**/${above}/*`, `**/${above}/**`, `agentvisor/${above}`]);

/** Time and timers live only in runtime/clock (STYLE §6): everything else takes a Clock. */
const timerGlobals = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
].map((name) => ({
  name,
  message: 'Use the injected Clock (runtime/clock) instead of timer globals.',
}));
const timeProperties = [
  { object: 'Date', property: 'now', message: 'Use clock.now() (runtime/clock).' },
  { object: 'performance', property: 'now', message: 'Use clock.monotonic() (runtime/clock).' },
  ...['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'].flatMap((p) =>
    ['globalThis', 'global', 'window'].map((object) => ({
      object,
      property: p,
      message: 'Use the injected Clock (runtime/clock).',
    })),
  ),
];

/** Timer modules are globals by another name. */
const timerModules = ['timers', 'node:timers', 'timers/promises', 'node:timers/promises'].map(
  (name) => ({
    name,
    message: 'Use the injected Clock (runtime/clock) instead of timer modules.',
  }),
);

/** runtime/nats (the NATS toolbox) is reached only through its index.ts (STYLE §1). */
const natsToolboxDeep = {
  group: ['**/runtime/nats/*', '../nats/*', '../../nats/*', '!**/nats/index.js'],
  message: 'Import the NATS toolbox from runtime/nats/index.js only.',
};

/**
 * Order inside runtime/ (issue 11): each tier may import only from tiers before it, never from a
 * peer in its own tier or a tier after it. `events` (Listeners, Disposable) sits on clock, for its
 * rethrow on a macrotask. `telemetry` sits beside codec and nats, which it does not need (its
 * anomaly detectors and alert router take the Clock, validate with errors' parseOptions and
 * announce through events' Listeners). `alerting` (alert
 * sinks and stores that need NATS and the backoff family: webhook, NATS subject, JetStream store)
 * sits beside `system`, which it does not need. `testing` is the kit on top: it may import any
 * runtime folder, and no runtime folder imports it.
 */
const runtimeTiers = [
  ['clock', 'errors'],
  ['events'],
  ['codec', 'nats', 'telemetry'],
  ['transport', 'persistence', 'resilience'],
  ['system', 'alerting'],
  ['mailbox'],
  ['cluster'],
];

/**
 * Edges the current code still has that the order forbids. Left out of the rule until issue 11
 * removes them (do not add to this list): none left.
 */
const allowedForNow = {};

/** Runtime folders `folder` must not import, by the tier order above. */
function runtimeForbidden(folder) {
  const tier = runtimeTiers.findIndex((t) => t.includes(folder));
  if (tier === -1) return [];
  const allowed = allowedForNow[folder] ?? [];
  return [
    ...runtimeTiers
      .slice(tier)
      .flat()
      .filter((other) => other !== folder),
    'testing',
  ].filter((other) => !allowed.includes(other));
}

const runtimeFolders = [...runtimeTiers.flat(), 'testing'];

function restrictedImports(folder, withTimers, runtimeFolder) {
  const layer =
    folder in layerAbove
      ? [
          {
            group: upward(folder),
            message: `Layering: ${folder} must not import ${layerAbove[folder].join(', ')} (ops → node → {supervisors, actors} → runtime).`,
          },
        ]
      : [];
  const forbidden = runtimeFolder === undefined ? [] : runtimeForbidden(runtimeFolder);
  const order =
    forbidden.length === 0
      ? []
      : [
          {
            group: forbidden.flatMap((other) => [`**/${other}/*`, `**/${other}/**`]),
            caseSensitive: true,
            message: `Runtime order: runtime/${runtimeFolder} must not import ${forbidden.join(', ')} (clock/errors < events < codec, nats, telemetry < transport, persistence, resilience < system, alerting < mailbox < cluster).`,
          },
        ];
  return {
    paths: withTimers ? timerModules : [],
    patterns: [natsToolboxDeep, ...layer, ...order],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-globals': ['error', ...timerGlobals],
      'no-restricted-properties': ['error', ...timeProperties],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use clock.now().',
        },
      ],
    },
  },
  // The clock is the one place that touches real time.
  {
    files: ['runtime/clock/**'],
    rules: {
      'no-restricted-globals': 'off',
      'no-restricted-properties': 'off',
      'no-restricted-syntax': 'off',
    },
  },
  // The web dashboard (ops/console/*.js) is plain browser JavaScript, served as it is: no type
  // information, the browser's globals, and the browser's timers (it is no library code).
  {
    files: ['ops/console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'URL',
          'Node',
          'AbortController',
          'TextDecoderStream',
          'addEventListener',
          'setTimeout',
          'setInterval',
          'clearInterval',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      'no-restricted-globals': 'off',
      'no-restricted-properties': 'off',
      'no-restricted-syntax': 'off',
    },
  },
  // Benchmarks and scripts measure or wait on real time by design; they are not library code.
  {
    files: ['bench/**', 'scripts/**'],
    rules: {
      'no-restricted-globals': 'off',
      'no-restricted-properties': 'off',
      'no-restricted-syntax': 'off',
    },
  },
  // One no-restricted-imports config per folder (a later config replaces the rule's options):
  // the layer direction everywhere, plus the timer modules everywhere but runtime/clock.
  ...['runtime', 'actors', 'supervisors', 'node', 'ops', 'examples', 'test'].map((folder) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', restrictedImports(folder, true)],
    },
  })),
  // Inside runtime/, each folder also gets the tier order (and runtime/clock no timer modules).
  ...runtimeFolders.map((sub) => ({
    files: [`runtime/${sub}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        restrictedImports('runtime', sub !== 'clock', sub),
      ],
    },
  })),
  // Tests may use vi/expect patterns that trip type-aware rules on purpose; example machines
  // assert state invariants (a context field set on entry) with `!`.
  {
    files: ['test/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);

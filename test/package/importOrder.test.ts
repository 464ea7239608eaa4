import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The import order inside runtime/ (issue 11: clock/errors < events < codec, nats, telemetry <
 * transport, persistence, resilience < system, alerting < mailbox < cluster) is enforced by eslint.config.js. These
 * cases lint a one-line module as if it sat in a runtime folder, with the project's own config.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';
// Only the import rule runs, without type information (it needs none): fast enough for a unit test.
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === RULE,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

async function restricted(file: string, from: string): Promise<number> {
  const code = `export type { X } from '${from}';\n`;
  const [result] = await eslint.lintText(code, { filePath: `${root}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).length;
}

describe('import order inside runtime/', () => {
  it.each([
    ['runtime/codec/codec.ts', '../system/index.js'],
    ['runtime/clock/Clock.ts', '../codec/index.js'],
    ['runtime/errors/codes.ts', '../clock/index.js'],
    ['runtime/transport/subjects.ts', '../persistence/index.js'],
    ['runtime/system/ids.ts', '../mailbox/index.js'],
    ['runtime/mailbox/shardOf.ts', '../cluster/index.js'],
    ['runtime/cluster/MemberRecord.ts', '../testing/index.js'],
    ['runtime/resilience/Budget.ts', '../persistence/index.js'],
    ['runtime/resilience/Budget.ts', '../transport/index.js'],
    ['runtime/persistence/EffectLedger.ts', '../resilience/index.js'],
    ['runtime/events/Listeners.ts', '../codec/index.js'],
    ['runtime/clock/Clock.ts', '../events/index.js'],
    ['runtime/errors/codes.ts', '../telemetry/index.js'],
    ['runtime/telemetry/alerts/AlertRouter.ts', '../../nats/index.js'],
    ['runtime/telemetry/alerts/AlertRouter.ts', '../../resilience/index.js'],
    ['runtime/alerting/WebhookSink.ts', '../system/index.js'],
    ['runtime/system/ids.ts', '../alerting/index.js'],
  ])('%s may not import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(1);
  });

  it.each([
    ['runtime/codec/codec.ts', '../errors/index.js'],
    ['runtime/events/Listeners.ts', '../clock/index.js'],
    ['runtime/resilience/Budget.ts', '../events/index.js'],
    ['runtime/system/ids.ts', '../persistence/index.js'],
    ['runtime/mailbox/shardOf.ts', '../system/index.js'],
    ['runtime/cluster/MemberRecord.ts', '../mailbox/index.js'],
    ['runtime/testing/index.ts', '../cluster/index.js'],
    ['runtime/telemetry/anomaly/AnomalyDetector.ts', '../../events/index.js'],
    ['runtime/telemetry/alerts/AlertRouter.ts', '../../errors/index.js'],
    ['runtime/alerting/WebhookSink.ts', '../resilience/index.js'],
    ['runtime/alerting/JetStreamAlertStore.ts', '../nats/index.js'],
    ['runtime/mailbox/shardOf.ts', '../alerting/index.js'],
  ])('%s may import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(0);
  });

  // The per-folder configs replace the rule's options: the layer and timer rules must survive.
  it('a runtime folder still may not import a layer above it', async () => {
    expect(await restricted('runtime/system/ids.ts', '../../supervisors/index.js')).toBe(1);
  });

  it('a runtime folder still may not import timer modules, runtime/clock may', async () => {
    expect(await restricted('runtime/system/ids.ts', 'node:timers')).toBe(1);
    expect(await restricted('runtime/clock/Clock.ts', 'node:timers')).toBe(0);
  });
});

/**
 * The layer order (issue 11): ops → node → {supervisors, actors} → runtime, with supervisors and
 * actors independent of each other.
 */
describe('import order between layers', () => {
  it.each([
    ['runtime/system/ids.ts', 'agentvisor/node'],
    ['runtime/cluster/Membership.ts', '../../node/index.js'],
    ['actors/index.ts', 'agentvisor/node'],
    ['actors/index.ts', 'agentvisor/supervisors'],
    ['actors/index.ts', '../supervisors/index.js'],
    ['supervisors/index.ts', 'agentvisor/node'],
    ['supervisors/index.ts', 'agentvisor/actors'],
    ['supervisors/index.ts', '../actors/index.js'],
    ['node/ClusterNode.ts', '../ops/cli.js'],
  ])('%s may not import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(1);
  });

  it.each([
    ['node/ClusterNode.ts', 'agentvisor'],
    ['node/ClusterNode.ts', 'agentvisor/supervisors'],
    ['node/ClusterNode.ts', 'agentvisor/actors'],
    ['ops/cli.ts', 'agentvisor/node'],
    ['ops/cli.ts', 'agentvisor/supervisors'],
  ])('%s may import %s', async (file, from) => {
    expect(await restricted(file, from)).toBe(0);
  });
});

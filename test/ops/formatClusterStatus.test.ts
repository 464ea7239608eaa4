import { describe, expect, it } from 'vitest';
import type { MemberRecord } from 'agentvisor/internal';
import type { ClusterStatus, NodeStatus, UnitStatus } from 'agentvisor/node';
import { formatClusterStatus } from '../../ops/formatClusterStatus.js';

// The text `agentvisor status` prints, for the states test/integration/cluster/status.int.test.ts
// drives a real cluster into (that test reads them through the CLI where they are stable).

const member = (node: string): MemberRecord => ({
  v: 1,
  node,
  run: `${node}-run`,
  roles: [],
  load: 1,
  startedAt: 0,
  at: 0,
  status: 'up',
});

const answer = (node: string, units: UnitStatus[]): NodeStatus => ({
  node,
  run: `${node}-run`,
  roles: [],
  namespace: 'ns',
  state: 'running',
  startedAt: 0,
  units,
});

const unit = (name: string, fields: Partial<UnitStatus> = {}): UnitStatus => ({
  name,
  agent: name,
  epoch: 3,
  status: 'running',
  incarnation: 1,
  processed: 0,
  mailboxSize: 0,
  ...fields,
});

const placed = (name: string, node: string) => ({
  unit: name,
  record: {
    v: 1,
    unit: name,
    node,
    run: `${node}-run`,
    epoch: 3,
    status: 'active',
    at: 0,
  } as const,
  revision: 1,
});

describe('formatClusterStatus', () => {
  it('shows a subtree’s parked child and its open escalations', () => {
    const office = unit('office', {
      processed: 4,
      openEscalations: 1,
      children: [child('clerk-1', 'running', 2), child('clerk-2', 'parked', 2)],
    });
    const text = formatClusterStatus({
      namespace: 'ns',
      nodes: [{ record: member('a'), ageMs: 10, status: answer('a', [office]), dead: false }],
      placements: [placed('office', 'a')],
    });
    expect(text).toMatch(/clerk-2\s+parked/);
    expect(text).toMatch(/escalations open 1/);
  });

  it('shows a node that does not answer and whose heartbeat is old as dead', () => {
    const status: ClusterStatus = {
      namespace: 'ns',
      nodes: [
        { record: member('a'), ageMs: 10, status: answer('a', []), dead: false },
        { record: member('b'), ageMs: 900, status: undefined, dead: true },
      ],
      placements: [],
    };
    expect(formatClusterStatus(status)).toMatch(/ b\s+dead/);
    expect(formatClusterStatus(status)).not.toMatch(/ a\s+dead/);
  });

  it('shows a stuck unit after its epoch', () => {
    const text = formatClusterStatus({
      namespace: 'ns',
      nodes: [
        {
          record: member('a'),
          ageMs: 10,
          status: answer('a', [unit('hung', { status: 'stuck' })]),
          dead: false,
        },
      ],
      placements: [placed('hung', 'a')],
    });
    expect(text).toMatch(/epoch \d+ {2}stuck/);
  });
});

function child(id: string, status: string, processed: number) {
  return {
    id,
    name: id,
    type: 'worker' as const,
    status,
    restarts: 0,
    incarnation: 1,
    processed,
    mailboxSize: 0,
  };
}

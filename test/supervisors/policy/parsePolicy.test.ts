import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectRuntimeError } from 'agentvisor/testing';
import { createMachine } from 'xstate';
import { type OptionIssue, type RuntimeError } from 'agentvisor/internal';
import {
  loadPolicyFile,
  parsePolicy,
  parsePolicyText,
  type Policy,
  type PolicyInput,
} from '../../../supervisors/policy/index.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function issuesOf(err: RuntimeError): OptionIssue[] {
  return (err.details as { issues: OptionIssue[] }).issues;
}

const worker = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent: id, ...extra });

/** A valid policy with `root` fields overridden. */
function policyWith(root: Record<string, unknown>): unknown {
  return { root: { id: 'desk', children: [worker('editor')], ...root } };
}

/** The resolved form of fixtures/desk.yaml (and desk.json): every default filled in. */
const resolvedDesk: Policy = {
  namespace: 'news',
  root: {
    id: 'desk',
    type: 'supervisor',
    restart: 'permanent',
    significant: false,
    shutdownMs: Infinity,
    strategy: 'one-for-one',
    intensity: 1,
    periodMs: 5000,
    autoShutdown: 'never',
    onFailure: {},
    human: { deadlineMs: 900_000, default: 'stop' },
    holdCapacity: 1000,
    children: [
      {
        id: 'editor',
        type: 'worker',
        agent: 'editor',
        restart: 'permanent',
        significant: false,
        shutdownMs: 5000,
        restartFrom: 'checkpoint',
      },
      {
        id: 'team',
        type: 'supervisor',
        restart: 'permanent',
        significant: false,
        shutdownMs: Infinity,
        strategy: 'rest-for-one',
        intensity: 3,
        periodMs: 30_000,
        autoShutdown: 'never',
        onFailure: {},
        human: { deadlineMs: 900_000, default: 'stop' },
        holdCapacity: 1000,
        children: [
          {
            id: 'researcher',
            type: 'worker',
            agent: 'researcher',
            restart: 'permanent',
            significant: false,
            shutdownMs: Infinity,
            restartFrom: 'checkpoint',
          },
          {
            id: 'writer',
            type: 'worker',
            agent: 'writer',
            restart: 'transient',
            significant: false,
            shutdownMs: 5000,
            restartFrom: 'checkpoint',
          },
        ],
      },
    ],
  },
};

describe('parsePolicy', () => {
  // Each row breaks exactly one rule; the issue must name exactly that field.
  const invalid: [string, unknown, string][] = [
    [
      'a bad restart type',
      policyWith({ children: [worker('a', { restart: 'sometimes' })] }),
      'root.children[0].restart',
    ],
    [
      'a bad child type',
      policyWith({ children: [worker('a', { type: 'robot' })] }),
      'root.children[0].type',
    ],
    [
      'a negative shutdownMs',
      policyWith({ children: [worker('a', { shutdownMs: -1 })] }),
      'root.children[0].shutdownMs',
    ],
    [
      'a shutdownMs word other than infinity',
      policyWith({ children: [worker('a', { shutdownMs: 'forever' })] }),
      'root.children[0].shutdownMs',
    ],
    [
      'a bad restartFrom',
      policyWith({ children: [worker('a', { restartFrom: 'yesterday' })] }),
      'root.children[0].restartFrom',
    ],
    [
      'a non-boolean significant',
      policyWith({ children: [worker('a', { significant: 'yes' })] }),
      'root.children[0].significant',
    ],
    ['a missing agent', policyWith({ children: [{ id: 'a' }] }), 'root.children[0].agent'],
    ['a missing child id', policyWith({ children: [{ agent: 'a' }] }), 'root.children[0].id'],
    ['a missing root id', { root: { children: [worker('a')] } }, 'root.id'],
    ['an empty id', policyWith({ children: [{ id: '', agent: 'a' }] }), 'root.children[0].id'],
    ['a bad strategy', policyWith({ strategy: 'all-for-none' }), 'root.strategy'],
    ['intensity -1', policyWith({ intensity: -1 }), 'root.intensity'],
    ['intensity 1.5', policyWith({ intensity: 1.5 }), 'root.intensity'],
    ['periodMs 0', policyWith({ periodMs: 0 }), 'root.periodMs'],
    ['a bad autoShutdown', policyWith({ autoShutdown: 'sometimes' }), 'root.autoShutdown'],
    ['a negative holdCapacity', policyWith({ holdCapacity: -1 }), 'root.holdCapacity'],
    [
      'backoff maxMs below minMs',
      policyWith({ backoff: { minMs: 1000, maxMs: 10 } }),
      'root.backoff.maxMs',
    ],
    ['backoff jitter 2', policyWith({ backoff: { jitter: 2 } }), 'root.backoff.jitter'],
    ['backoff factor 0.5', policyWith({ backoff: { factor: 0.5 } }), 'root.backoff.factor'],
    [
      'an unknown failure class',
      policyWith({ onFailure: { cosmic: 'restart' } }),
      'root.onFailure',
    ],
    ['a bad directive', policyWith({ onFailure: { bug: 'ignore' } }), 'root.onFailure.bug'],
    ['a bad human default', policyWith({ human: { default: 'shrug' } }), 'root.human.default'],
    [
      'a negative human deadlineMs',
      policyWith({ human: { deadlineMs: -1 } }),
      'root.human.deadlineMs',
    ],
    [
      'a duplicate child id',
      policyWith({ children: [worker('a'), worker('a')] }),
      'root.children[1].id',
    ],
    [
      'a significant permanent child',
      policyWith({
        autoShutdown: 'any-significant',
        children: [worker('a', { significant: true })],
      }),
      'root.children[0].significant',
    ],
    [
      'a significant child under autoShutdown never',
      policyWith({ children: [worker('a', { significant: true, restart: 'transient' })] }),
      'root.children[0].significant',
    ],
    [
      'a dynamic supervisor with 2 children',
      policyWith({ strategy: 'dynamic', children: [worker('a'), worker('b')] }),
      'root.children',
    ],
    ['an unknown supervisor field', policyWith({ maxRestarts: 3 }), 'root'],
    [
      'an unknown worker field',
      policyWith({ children: [worker('a', { retries: 3 })] }),
      'root.children[0]',
    ],
    ['an unknown top-level field', { root: { id: 'desk' }, version: 2 }, ''],
    ['an empty namespace', { namespace: '', root: { id: 'desk' } }, 'namespace'],
    ['a missing root', { namespace: 'news' }, 'root'],
    [
      'a bad field in a nested supervisor',
      policyWith({
        children: [
          worker('a'),
          { id: 'team', type: 'supervisor', children: [worker('b', { restart: 'sometimes' })] },
        ],
      }),
      'root.children[1].children[0].restart',
    ],
    [
      'a bad flag in a nested supervisor',
      policyWith({
        children: [{ id: 'team', type: 'supervisor', periodMs: -5, children: [worker('b')] }],
      }),
      'root.children[0].periodMs',
    ],
  ];

  it.each(invalid)('rejects %s, naming the field', (_name, input, path) => {
    const err = expectRuntimeError(() => parsePolicy(input), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual([path]);
  });

  it('refuses one actor name at two levels of the tree, naming both paths', () => {
    const input = policyWith({
      children: [worker('fetch'), { id: 'team', type: 'supervisor', children: [worker('fetch')] }],
    });
    const err = expectRuntimeError(() => parsePolicy(input), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual([
      'root.children[0].id',
      'root.children[1].children[0].id',
    ]);
  });

  it('refuses a worker name equal to a supervisor id elsewhere (both run as actors)', () => {
    const input = policyWith({
      children: [{ id: 'team', type: 'supervisor', children: [worker('w', { name: 'desk' })] }],
    });
    const err = expectRuntimeError(() => parsePolicy(input), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual([
      'root.id',
      'root.children[0].children[0].name',
    ]);
  });

  it('states the path and the bad value in the message', () => {
    const input = policyWith({
      children: [worker('a'), worker('b'), worker('c', { restart: 'sometimes' })],
    });
    const err = expectRuntimeError(() => parsePolicy(input), 'ERR_INVALID_OPTIONS');
    expect(err.message).toContain(
      'root.children[2].restart: expected one of "permanent" | "transient" | "temporary", got "sometimes"',
    );
  });

  it('reports every problem, not only the first', () => {
    const err = expectRuntimeError(
      () => parsePolicy(policyWith({ intensity: -1, periodMs: 0 })),
      'ERR_INVALID_OPTIONS',
    );
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual(['root.intensity', 'root.periodMs']);
  });

  it('resolves every default of a minimal policy', () => {
    const policy = parsePolicy({ root: { id: 'desk', children: [worker('editor')] } });
    expect(policy).toStrictEqual({
      namespace: 'default',
      root: {
        ...resolvedDesk.root,
        children: [resolvedDesk.root.children[0]],
      },
    });
  });

  it('accepts agent definitions and Infinity in the TypeScript form', () => {
    const logic = createMachine({ id: 'echo' });
    const input: PolicyInput = {
      root: {
        id: 'desk',
        shutdownMs: Infinity,
        children: [{ id: 'echo', agent: logic, shutdownMs: Infinity }],
      },
    };
    const policy = parsePolicy(input);
    const [child] = policy.root.children;
    expect(child).toMatchObject({ id: 'echo', type: 'worker', shutdownMs: Infinity });
    expect(child?.type === 'worker' && child.agent).toBe(logic);
  });

  it('rejects an agent that is neither a name nor a definition', () => {
    const err = expectRuntimeError(
      () => parsePolicy(policyWith({ children: [worker('a', { agent: 42 })] })),
      'ERR_INVALID_OPTIONS',
    );
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual(['root.children[0].agent']);
  });
});

describe('parsePolicyText', () => {
  const deskJson = JSON.stringify({
    namespace: 'news',
    root: {
      id: 'desk',
      children: [
        worker('editor'),
        {
          id: 'team',
          type: 'supervisor',
          strategy: 'rest-for-one',
          intensity: 3,
          periodMs: 30000,
          children: [
            worker('researcher', { shutdownMs: 'infinity' }),
            worker('writer', { restart: 'transient' }),
          ],
        },
      ],
    },
  });

  it('reads JSON text, with defaults resolved', () => {
    expect(parsePolicyText(deskJson)).toStrictEqual(resolvedDesk);
    expect(parsePolicyText(deskJson, 'json')).toStrictEqual(resolvedDesk);
  });

  it('gives the same policy for a YAML file and the same tree in JSON', async () => {
    expect(await loadPolicyFile(fixture('desk.yaml'))).toStrictEqual(parsePolicyText(deskJson));
  });

  it('reads YAML text, where shutdownMs infinity (or .inf) means Infinity', () => {
    const text = [
      'root:',
      '  id: desk',
      '  shutdownMs: .inf',
      '  children:',
      '    - id: a',
      '      agent: a',
      '      shutdownMs: infinity',
    ].join('\n');
    const policy = parsePolicyText(text, 'yaml');
    expect(policy.root.shutdownMs).toBe(Infinity);
    expect(policy.root.children[0]?.shutdownMs).toBe(Infinity);
  });

  it('reads a YAML flow mapping that starts with { but is not JSON', () => {
    const policy = parsePolicyText('{root: {id: desk, children: [{id: a, agent: a}]}}');
    expect(policy.root.children.map((c) => c.id)).toStrictEqual(['a']);
  });

  it('rejects malformed YAML with the line of the error', () => {
    const err = expectRuntimeError(
      () => parsePolicyText('root:\n  id: desk\n   children: []\n'),
      'ERR_INVALID_OPTIONS',
    );
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    const issues = issuesOf(err);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/line 2, column \d+/);
  });

  it('rejects duplicate YAML keys', () => {
    const err = expectRuntimeError(
      () => parsePolicyText('root:\n  id: desk\n  id: other\n'),
      'ERR_INVALID_OPTIONS',
    );
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual(['']);
  });

  it('rejects malformed JSON with the line of the error', () => {
    const err = expectRuntimeError(
      () => parsePolicyText('{\n  "root": {\n    "id": desk\n  }\n}', 'json'),
      'ERR_INVALID_OPTIONS',
    );
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    const issues = issuesOf(err);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/line 3, column 11/);
  });

  it('validates parsed text as parsePolicy does', () => {
    const err = expectRuntimeError(
      () => parsePolicyText('root:\n  id: desk\n  intensity: lots\n'),
      'ERR_INVALID_OPTIONS',
    );
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual(['root.intensity']);
  });

  it('rejects empty text', () => {
    expect(expectRuntimeError(() => parsePolicyText(''), 'ERR_INVALID_OPTIONS').code).toBe(
      'ERR_INVALID_OPTIONS',
    );
  });
});

describe('loadPolicyFile', () => {
  it('reads .yaml and .json files to the same policy', async () => {
    expect(await loadPolicyFile(fixture('desk.yaml'))).toStrictEqual(resolvedDesk);
    expect(await loadPolicyFile(fixture('desk.json'))).toStrictEqual(resolvedDesk);
  });

  it('rejects a missing file, naming it', async () => {
    const file = fixture('missing.yaml');
    const err = await expectRuntimeError(loadPolicyFile(file), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(err.details).toMatchObject({ file, issues: [{ path: '' }] });
  });

  it('rejects an extension other than .yaml, .yml or .json', async () => {
    const file = fixture('desk.txt');
    const err = await expectRuntimeError(loadPolicyFile(file), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(err.details).toMatchObject({ file });
  });

  it('names the file and the field of an invalid policy', async () => {
    const file = fixture('invalid.yml');
    const err = await expectRuntimeError(loadPolicyFile(file), 'ERR_INVALID_OPTIONS');
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
    expect(err.details).toMatchObject({ file });
    expect(issuesOf(err).map((i) => i.path)).toStrictEqual([
      'root.children[1].children[0].restart',
    ]);
  });

  it('rejects with the reason of an aborted signal', async () => {
    const reason = new Error('cancelled');
    await expect(
      loadPolicyFile(fixture('desk.yaml'), { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });
});

import { describe, expect, it } from 'vitest';
import { mailboxShardUnit, parseClusterConfig } from 'agentvisor/node';

describe('cluster config mailbox section', () => {
  it('is off by default', () => {
    expect(parseClusterConfig({ node: 'n1' }).mailbox).toBeUndefined();
  });

  it("resolves the durable mailbox's defaults and keeps the actors", () => {
    const config = parseClusterConfig({
      node: 'n1',
      mailbox: { shards: 4, actors: [{ name: 'orders', agent: 'order' }] },
    });
    expect(config.mailbox).toMatchObject({
      shards: 4,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      retryDelayMs: 1_000,
      actors: [{ name: 'orders', agent: 'order' }],
    });
    expect(parseClusterConfig({ node: 'n1', mailbox: {} }).mailbox?.shards).toBe(16);
    expect(mailboxShardUnit(3)).toBe('mailbox-shard-3');
  });

  it('names the path of every invalid field', () => {
    let error: unknown;
    try {
      parseClusterConfig({
        node: 'n1',
        units: [{ name: 'mailbox-shard-0', agent: 'x' }],
        mailbox: {
          shards: 2,
          ackWaitMs: 5,
          namespace: 'elsewhere',
          actors: [
            { name: 'a', agent: 'x' },
            { name: 'a', agent: 'x' },
            { name: 'mailbox-shard-0', agent: 'x' },
          ],
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    const paths = (error as { details: { issues: { path: string }[] } }).details.issues.map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['mailbox.ackWaitMs', 'mailbox']));
    // Refinements run once the shape is valid: a well-formed section with clashing names.
    const clash = (() => {
      try {
        parseClusterConfig({
          node: 'n1',
          units: [{ name: 'mailbox-shard-0', agent: 'x' }],
          mailbox: {
            shards: 2,
            actors: [
              { name: 'a', agent: 'x' },
              { name: 'a', agent: 'x' },
              { name: 'mailbox-shard-0', agent: 'x' },
            ],
          },
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as { details: { issues: { path: string }[] } };
    expect(clash.details.issues.map((i) => i.path)).toEqual([
      'units[0].name',
      'mailbox.actors[1].name',
      'mailbox.actors[2].name',
    ]);
  });
});

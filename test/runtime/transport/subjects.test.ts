import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createSubjects, decodeToken, encodeToken } from 'agentvisor/internal';
// Internal to the transport folder: the namespace a subject belongs to.
import { namespaceOf } from '../../../runtime/transport/subjects.js';

/** One UTF-16 code unit that is half of a surrogate pair. */
const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Any JavaScript string: whole code points of every plane, and lone surrogates. */
const anyString = fc.string({
  unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate),
  maxLength: 40,
});

const FORBIDDEN = /[.*>\s]/u;

describe('subjects', () => {
  it('keeps readable names readable', () => {
    for (const name of ['counter', 'agent-7', 'A_b-C', 'x'.repeat(200)]) {
      expect(encodeToken(name)).toBe(name);
    }
  });

  it('encodes every other name behind a ~ prefix', () => {
    for (const name of ['', 'a.b', 'a b', '*', '>', 'é', 'x'.repeat(201), '~']) {
      expect(encodeToken(name).startsWith('~')).toBe(true);
      expect(decodeToken(encodeToken(name))).toBe(name);
    }
  });

  it.prop([fc.string({ unit: 'binary' })])('round-trips any unicode string', (name) => {
    expect(decodeToken(encodeToken(name))).toBe(name);
  });

  it.prop([fc.string({ unit: 'grapheme', maxLength: 20 })])(
    'round-trips any string of graphemes',
    (name) => {
      expect(decodeToken(encodeToken(name))).toBe(name);
    },
  );

  it.prop([anyString])('round-trips any string, lone surrogates included', (name) => {
    expect(decodeToken(encodeToken(name))).toBe(name);
  });

  it.prop([anyString])(
    'makes tokens without dots, wildcards or whitespace, never empty',
    (name) => {
      const token = encodeToken(name);
      expect(token).not.toMatch(FORBIDDEN);
      expect(token.length).toBeGreaterThan(0);
    },
  );

  it.prop([anyString, anyString])('gives distinct names distinct tokens', (a, b) => {
    fc.pre(a !== b);
    expect(encodeToken(a)).not.toBe(encodeToken(b));
  });

  it('gives a lone surrogate a token of its own, not that of U+FFFD', () => {
    // UTF-8 would turn the lone surrogate into U+FFFD: two actors would share one subject.
    expect(encodeToken('a\ud800')).not.toBe(encodeToken('a\ufffd'));
  });

  it('lays out actor, topic, node and inbox subjects under the namespace prefix', () => {
    const subjects = createSubjects('prod');
    expect(subjects.prefix).toBe('av.prod');
    expect(subjects.actor('counter')).toBe('av.prod.a.counter');
    expect(subjects.topic('news')).toBe('av.prod.t.news');
    expect(subjects.node('n1')).toBe('av.prod.n.n1.ctl');
    expect(subjects.inbox('i1')).toBe('av.prod.i.i1');
  });

  it.prop([anyString, anyString])(
    'puts any namespace and actor name into exactly four tokens',
    (namespace, name) => {
      const tokens = createSubjects(namespace).actor(name).split('.');
      expect(tokens).toHaveLength(4);
      expect(tokens[0]).toBe('av');
      expect(decodeToken(tokens[1]!)).toBe(namespace);
      expect(tokens[2]).toBe('a');
      expect(decodeToken(tokens[3]!)).toBe(name);
    },
  );

  it.prop([anyString, anyString])(
    'reads the namespace token back from every subject of the layout',
    (namespace, name) => {
      const subjects = createSubjects(namespace);
      const token = encodeToken(namespace);
      for (const subject of [subjects.actor(name), subjects.topic(name), subjects.node(name)]) {
        expect(namespaceOf(subject)).toBe(token);
      }
    },
  );

  it('has no namespace for subjects outside the layout or a wildcard namespace', () => {
    expect(namespaceOf('_INBOX.av.x.1')).toBeUndefined();
    expect(namespaceOf('av.*.a.c')).toBeUndefined();
    expect(namespaceOf('av.>')).toBeUndefined();
    expect(namespaceOf('other.subject')).toBeUndefined();
    expect(namespaceOf('av.prod')).toBe('prod');
  });
});

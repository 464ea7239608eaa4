import { describe, expect, it } from 'vitest';
import type { Envelope } from 'agentvisor';
import { foreignNamespaceError } from '../../../../runtime/transport/internal/foreignNamespaceError.js';

const envelope = (ns?: string): Envelope => ({
  v: 1,
  id: 'm1',
  type: 'ping',
  to: 'a',
  payload: undefined,
  ...(ns === undefined ? {} : { ns }),
});

describe('foreignNamespaceError', () => {
  it('refuses an envelope naming another namespace than its subject with ERR_FOREIGN_NAMESPACE', () => {
    const error = foreignNamespaceError('av.shop.a.cart', envelope('bank'));
    expect(error?.code).toBe('ERR_FOREIGN_NAMESPACE');
    expect(error?.details).toEqual({
      subject: 'av.shop.a.cart',
      id: 'm1',
      ns: 'bank',
      namespace: 'shop',
    });
  });

  it('lets through an envelope of the same namespace, or without ns', () => {
    expect(foreignNamespaceError('av.shop.a.cart', envelope('shop'))).toBeUndefined();
    expect(foreignNamespaceError('av.shop.a.cart', envelope())).toBeUndefined();
  });

  it('guards nothing on a subject outside the layout or with a wildcard namespace', () => {
    expect(foreignNamespaceError('_INBOX.x.1', envelope('bank'))).toBeUndefined();
    expect(foreignNamespaceError('av.*.a.cart', envelope('bank'))).toBeUndefined();
  });

  it('uses the namespace its caller computed once for the subject', () => {
    expect(foreignNamespaceError('av.shop.a.cart', envelope('shop'), 'bank')?.code).toBe(
      'ERR_FOREIGN_NAMESPACE',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { classifyFailure } from 'agentvisor/supervisors';
import {
  classOfStatus,
  connectionError,
  statusError,
} from '../../../../actors/models/internal/modelErrors.js';

describe('classOfStatus', () => {
  it('agrees with classifyFailure on every status classifyFailure knows', () => {
    const statuses = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429];
    for (let s = 500; s <= 599; s++) statuses.push(s);
    for (const status of statuses) {
      expect(classOfStatus(status), `status ${status}`).toBe(classifyFailure({ status }));
    }
  });

  it('calls any other 4xx invalid-request', () => {
    expect(classOfStatus(418)).toBe('invalid-request');
    expect(classOfStatus(451)).toBe('invalid-request');
  });

  it('lets provider codes that say more win over the status', () => {
    expect(classOfStatus(429, 'insufficient_quota')).toBe('budget');
    expect(classOfStatus(400, 'content_filter')).toBe('safety');
    expect(classOfStatus(429, 'rate_limit_exceeded')).toBe('rate-limit');
  });
});

describe('statusError', () => {
  it('classifies through details.failureClass, whatever the body', () => {
    const err = statusError('m', 429, '<html>busy</html>', 1000);
    expect(err.code).toBe('ERR_MODEL_HTTP');
    expect(err.details).toEqual({
      model: 'm',
      status: 429,
      failureClass: 'rate-limit',
      retryAfterMs: 1000,
    });
    expect(classifyFailure(err)).toBe('rate-limit');
  });

  it('reads an Ollama-style string error', () => {
    const err = statusError('m', 404, '{"error":"model \\"x\\" not found"}', undefined);
    expect(err.details).toEqual({ model: 'm', status: 404, failureClass: 'invalid-request' });
  });
});

describe('connectionError', () => {
  it('keeps the cause and its network code', () => {
    const cause = new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    const err = connectionError('m', cause);
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({
      model: 'm',
      failureClass: 'transient',
      networkCode: 'ECONNRESET',
    });
    expect(classifyFailure(err)).toBe('transient');
  });
});

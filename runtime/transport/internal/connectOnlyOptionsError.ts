import { ErrorCode, RuntimeError } from '../../errors/index.js';

/**
 * @internal The refusal of `auth` or `tls` given to a transport built on an open connection (its
 * credentials were chosen by whoever opened it: they apply to `NatsTransport.connect` only), or
 * `undefined` when neither is set.
 */
export function connectOnlyOptionsError(config: {
  readonly auth?: unknown;
  readonly tls?: unknown;
}): RuntimeError | undefined {
  if (config.auth === undefined && config.tls === undefined) return undefined;
  const path = config.auth === undefined ? 'tls' : 'auth';
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `Invalid NatsTransport options: ${path} applies to NatsTransport.connect only`,
    {
      details: {
        what: 'NatsTransport',
        issues: [{ path, message: 'applies to NatsTransport.connect only' }],
      },
    },
  );
}

import type { NatsTransportOptions } from 'agentvisor/internal';

/** The auth and TLS flags of `agentvisor node` and `agentvisor status`, for node:util parseArgs. */
export const SECURITY_FLAGS = {
  creds: { type: 'string' },
  user: { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

/** Help text of {@link SECURITY_FLAGS} and the environment they read. */
export const SECURITY_USAGE = `NATS auth and TLS (node: override the config file's \`auth\` and \`tls\`):
  --creds      credentials file (user JWT + nkey seed, as nsc writes it)
  --user       user name (or env NATS_USER); the password is read from env NATS_PASSWORD only
  --tls        require TLS, trusting the system's CAs
  --tls-ca     CA certificate (PEM) that signs the server's certificate (implies --tls)
  --tls-cert   client certificate (PEM), with --tls-key, for servers that verify clients
  env NATS_TOKEN   token auth (secrets are never taken on the command line: ps shows it)`;

/** What {@link SECURITY_FLAGS} parsed to. */
export interface SecurityFlagValues {
  creds?: string | undefined;
  user?: string | undefined;
  tls?: boolean | undefined;
  'tls-ca'?: string | undefined;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
}

/** The `auth` and `tls` the flags and environment ask for; only the keys that were given. */
export interface Security {
  auth?: NonNullable<NatsTransportOptions['auth']>;
  tls?: NonNullable<NatsTransportOptions['tls']>;
}

/**
 * Turns the flags and the environment (NATS_USER, NATS_PASSWORD, NATS_TOKEN) into `auth` and
 * `tls`. Files are not read here: the connect reads them, and refuses a bad one with
 * ERR_INVALID_OPTIONS.
 *
 * @throws {Error} with a usage message when two kinds of auth are given, or a user without a
 *   password (or a password without a user). The message never contains a secret.
 */
export function securityFrom(
  flags: SecurityFlagValues,
  env: Readonly<Record<string, string | undefined>>,
): Security {
  const out: Security = {};
  const user = flags.user ?? nonEmpty(env['NATS_USER']);
  const password = nonEmpty(env['NATS_PASSWORD']);
  const token = nonEmpty(env['NATS_TOKEN']);
  const given = [
    ...(flags.creds === undefined ? [] : ['--creds']),
    ...(user === undefined && password === undefined ? [] : ['--user/NATS_PASSWORD']),
    ...(token === undefined ? [] : ['NATS_TOKEN']),
  ];
  if (given.length > 1) throw new Error(`give one kind of NATS auth, got ${given.join(' and ')}`);
  if (flags.creds !== undefined) out.auth = { type: 'credentials', file: flags.creds };
  if (user !== undefined || password !== undefined) {
    if (user === undefined) throw new Error('NATS_PASSWORD is set but no --user (or NATS_USER)');
    if (password === undefined) throw new Error(`--user ${user} needs env NATS_PASSWORD`);
    out.auth = { type: 'user', user, password };
  }
  if (token !== undefined) out.auth = { type: 'token', token };

  const files = {
    ...(flags['tls-ca'] === undefined ? {} : { caFile: flags['tls-ca'] }),
    ...(flags['tls-cert'] === undefined ? {} : { certFile: flags['tls-cert'] }),
    ...(flags['tls-key'] === undefined ? {} : { keyFile: flags['tls-key'] }),
  };
  if (Object.keys(files).length > 0) out.tls = files;
  else if (flags.tls === true) out.tls = true;
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

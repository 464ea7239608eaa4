import { z } from 'zod';

/** Options of `startNatsServer`. */
export interface StartNatsServerOptions {
  /** Enable JetStream, with its store in the server's temporary directory. @default true */
  jetstream?: boolean;
  /** Extra command-line arguments, appended after the generated ones. @default [] */
  args?: string[];
  /** Extra configuration text, appended to the generated config file. @default '' */
  config?: string;
  /** Client authentication the server requires (an `authorization` block). @default none */
  auth?: NatsServerAuth;
  /**
   * Require TLS: a throwaway CA and a certificate for 127.0.0.1 are generated into the server's
   * directory with `openssl` (see `NatsServerHandle.tls`); `verifyClients` also requires a
   * client certificate signed by that CA. @default false
   */
  tls?: boolean | { verifyClients?: boolean };
  /**
   * Join a cluster: listen for routes on a random loopback port (see
   * `NatsServerHandle.clusterUrl`) and dial `routes` (other servers' `clusterUrl`).
   * `startNatsCluster` builds a whole cluster. @default none
   */
  cluster?: { name?: string; routes?: string[] };
}

/** What a server started by `startNatsServer` asks of its clients (nats-server 2.9 syntax). */
export type NatsServerAuth =
  | { user: string; password: string }
  | { token: string }
  /** An nkey user, by its public key (`U…`); the client signs with the seed. */
  | { nkey: string }
  /** Several users, each limited to the subjects it may publish and subscribe to. */
  | { users: NatsServerUser[] };

/**
 * A user of a server started by `startNatsServer`, with its permissions: subject patterns
 * it may publish and subscribe to (all when absent). E.g. `['av.shop.>', '_INBOX.av.>']` keeps a
 * node to namespace `shop` and the reply inboxes.
 */
export interface NatsServerUser {
  user: string;
  password: string;
  publish?: string[];
  subscribe?: string[];
}

const subjectPattern = z.string().regex(/^[^\s"]+$/, 'must be a subject without spaces or quotes');

/** @internal The schema of {@link StartNatsServerOptions}: the one place its defaults live. */
export const StartNatsServerOptionsSchema = z.strictObject({
  jetstream: z.boolean().default(true),
  args: z.array(z.string()).default([]),
  config: z.string().default(''),
  auth: z
    .union([
      z.strictObject({ user: z.string().min(1), password: z.string().min(1) }),
      z.strictObject({ token: z.string().min(1) }),
      z.strictObject({
        nkey: z.string().regex(/^U[A-Z2-7]{55}$/, 'must be an nkey user public key'),
      }),
      z.strictObject({
        users: z
          .array(
            z.strictObject({
              user: z.string().min(1),
              password: z.string().min(1),
              publish: z.array(subjectPattern).optional(),
              subscribe: z.array(subjectPattern).optional(),
            }),
          )
          .min(1),
      }),
    ])
    .optional(),
  tls: z
    .union([z.boolean(), z.strictObject({ verifyClients: z.boolean().default(false) })])
    .default(false),
  cluster: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .default('agentvisor-test'),
      routes: z.array(z.string().regex(/^nats(-route)?:\/\/[^\s"]+$/)).default([]),
    })
    .optional(),
});
/** @internal {@link StartNatsServerOptions} with its defaults resolved. */
export type NatsServerConfig = z.output<typeof StartNatsServerOptionsSchema>;

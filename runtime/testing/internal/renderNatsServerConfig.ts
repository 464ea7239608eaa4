import { join } from 'node:path';
import type { TestCertificates } from '../generateTestCertificates.js';
import type { NatsServerConfig } from '../StartNatsServerOptions.js';

/** @internal The ports a server listens on (-1: let it choose). */
export interface NatsServerPorts {
  readonly port: number;
  /** The route port; -1 or a port, ignored without `cluster`. */
  readonly clusterPort: number;
}

/** @internal nats-server config text; strings are quoted as JSON, which its parser reads. */
export function renderNatsServerConfig(
  dir: string,
  ports: NatsServerPorts,
  opts: NatsServerConfig,
  certs: TestCertificates | undefined,
): string {
  const q = (text: string): string => JSON.stringify(text);
  const lines = ['host: 127.0.0.1', `port: ${ports.port}`];
  if (opts.jetstream) lines.push(`jetstream { store_dir: ${q(join(dir, 'js'))} }`);
  const auth = opts.auth;
  if (auth !== undefined) {
    if ('users' in auth) {
      const users = auth.users.map((u) => {
        const perms: string[] = [];
        if (u.publish !== undefined) perms.push(`publish: [ ${u.publish.map(q).join(', ')} ]`);
        if (u.subscribe !== undefined)
          perms.push(`subscribe: [ ${u.subscribe.map(q).join(', ')} ]`);
        const permissions = perms.length === 0 ? '' : `, permissions: { ${perms.join(', ')} }`;
        return `{ user: ${q(u.user)}, password: ${q(u.password)}${permissions} }`;
      });
      lines.push(`authorization { users: [ ${users.join(', ')} ] }`);
    } else if ('token' in auth) lines.push(`authorization { token: ${q(auth.token)} }`);
    else if ('nkey' in auth) lines.push(`authorization { users: [ { nkey: ${q(auth.nkey)} } ] }`);
    else lines.push(`authorization { user: ${q(auth.user)}, password: ${q(auth.password)} }`);
  }
  if (certs !== undefined) {
    const verify = typeof opts.tls === 'object' && opts.tls.verifyClients;
    lines.push(
      `tls { cert_file: ${q(certs.serverCertFile)}, key_file: ${q(certs.serverKeyFile)}, ` +
        `ca_file: ${q(certs.caFile)}, verify: ${String(verify)}, timeout: 2 }`,
    );
  }
  if (opts.cluster !== undefined) {
    const routes = opts.cluster.routes.map(q).join(', ');
    lines.push(
      `cluster { name: ${q(opts.cluster.name)}, host: 127.0.0.1, port: ${ports.clusterPort}, ` +
        `routes: [ ${routes} ] }`,
    );
  }
  if (opts.config !== '') lines.push(opts.config);
  return `${lines.join('\n')}\n`;
}

#!/usr/bin/env node
/**
 * The `agentvisor` command line: a table of commands (ops/commands/index.ts), each in its own
 * file with its flags, usage text and body.
 *
 *   agentvisor <command> [flags]     run a command (agentvisor --help lists them)
 *   agentvisor <command> --help      options of a command; `agentvisor help <command>` too
 *   agentvisor --version             print the version
 *
 * Exit codes: 0 done, 1 failed (printed `error [CODE]: message`; no secret is ever printed),
 * 2 bad usage (the message and the command's usage). An unreachable NATS server is
 * ERR_CONNECTION, a refused credential ERR_AUTH, a failed handshake ERR_TLS.
 *
 * Flags are parsed with node:util `parseArgs` in strict mode (ops/commands/cliKit.ts). A command
 * with subcommands (`escalations decide <id>`) reads its first positional: one level of nesting
 * is all the CLI needs, and parseArgs keeps the strict-flag and exit-code contract the tests pin,
 * which a CLI library would change.
 */
import { createRequire } from 'node:module';
import { isRuntimeError, messageOf } from 'agentvisor/internal';
import { COMMANDS, UsageError, asConnectionError } from './commands/index.js';

const USAGE = `Usage:
${COMMANDS.map((c) => `  agentvisor ${c.synopsis}`).join('\n')}
  agentvisor <command> --help     options of a command
  agentvisor --version            print the version`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // `agentvisor help node` is `agentvisor node --help`.
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(`${topic?.usage ?? USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`error: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  return command.run(rest);
}

/** The version in agentvisor's package.json (a self-reference: the same from src and dist). */
function packageVersion(): string {
  const manifest = createRequire(import.meta.url)('agentvisor/package.json') as { version: string };
  return manifest.version;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${err.usage}\n`);
      process.exitCode = 2;
      return;
    }
    const failure = asConnectionError(err) ?? err;
    const code = isRuntimeError(failure) ? ` [${failure.code}]` : '';
    process.stderr.write(`error${code}: ${messageOf(failure)}\n`);
    process.exitCode = 1;
  },
);

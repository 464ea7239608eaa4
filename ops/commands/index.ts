import type { CliCommand } from './CliCommand.js';
import { nodeCommand } from './nodeCommand.js';
import { statusCommand } from './statusCommand.js';
import { traceCommand } from './traceCommand.js';
import { verifyCommand } from './verifyCommand.js';

export type { CliCommand } from './CliCommand.js';
export { UsageError, asConnectionError } from './cliKit.js';

/** Every `agentvisor` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly CliCommand[] = [
  nodeCommand,
  statusCommand,
  verifyCommand,
  traceCommand,
];

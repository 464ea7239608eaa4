import type { CliCommand } from './CliCommand.js';
import { actorsCommand } from './actorsCommand.js';
import { checkpointCommand } from './checkpointCommand.js';
import { escalationsCommand } from './escalationsCommand.js';
import { journalCommand } from './journalCommand.js';
import { nodeCommand } from './nodeCommand.js';
import { statusCommand } from './statusCommand.js';
import { traceCommand } from './traceCommand.js';
import { treeCommand } from './treeCommand.js';
import { verifyCommand } from './verifyCommand.js';

export type { CliCommand } from './CliCommand.js';
export { UsageError, asConnectionError } from './cliKit.js';

/** Every `agentvisor` command, in the order `--help` lists them. One line per command. */
export const COMMANDS: readonly CliCommand[] = [
  nodeCommand,
  statusCommand,
  verifyCommand,
  traceCommand,
  treeCommand,
  actorsCommand,
  journalCommand,
  escalationsCommand,
  checkpointCommand,
];

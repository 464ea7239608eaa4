/**
 * One `agentvisor <name>` command. The CLI (ops/cli.ts) is a table of these
 * (ops/commands/index.ts): a new command is one file exporting a `CliCommand` and one line in
 * that table. Subcommands (`escalations decide <id>`) are the command's own first positional.
 */
export interface CliCommand {
  /** The word after `agentvisor`. */
  readonly name: string;
  /** Its line in `agentvisor --help` (flags in brief). */
  readonly synopsis: string;
  /** `agentvisor <name> --help`. */
  readonly usage: string;
  /**
   * Runs the command; resolves to the exit code (0 done, 1 failed). Throws a `UsageError`
   * (ops/commands/cliKit.ts) for bad usage (exit 2) and any other error for a failure (exit 1,
   * printed `error [CODE]: message`).
   */
  run(args: string[]): Promise<number>;
}

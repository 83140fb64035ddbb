import type { Command, CommanderError } from 'commander'

/** The exit code of a command-line usage error (docs/api.md "CLI", docs/operations.md "Start, stop, exit codes"). */
const USAGE_EXIT = 2

/**
 * Makes every Commander usage error of `program` and of all its commands, at every depth, exit 2 (an unknown
 * option or command, a missing argument or required option, an invalid option value, a command group run without
 * its subcommand), its message on stderr as Commander prints it; `--help` and `--version` still exit 0. Call it on
 * the finished tree: commands built apart and added with `addCommand` inherit nothing from the program, and
 * Commander exits 1 by default.
 */
export function exitOnUsageErrors(program: Command): Command {
  const exit = (err: CommanderError): never => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT)
  const visit = (command: Command): void => {
    command.exitOverride(exit)
    for (const sub of command.commands) visit(sub)
  }
  visit(program)
  return program
}

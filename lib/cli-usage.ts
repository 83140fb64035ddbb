import type { Command, CommanderError } from 'commander'

/** The exit code of a command-line usage error (docs/api.md "CLI", docs/operations.md "Start, stop, exit codes"). */
const USAGE_EXIT = 2
/**
 * The commands a service manager starts (`amt-manager serve`, `amt-broker serve`, `amt-agent run`): a wrong command
 * line there is a configuration problem, exit 1 like an invalid configuration, which the units do not restart
 * (`RestartPreventExitStatus=1`); 2 would restart them in a loop.
 */
const SERVICE_COMMANDS = new Set(['serve', 'run'])
const SERVICE_USAGE_EXIT = 1

/**
 * Makes every Commander usage error of `program` and of all its commands, at every depth, exit 2 (1 for the
 * service commands, above; an unknown
 * option or command, a missing argument or required option, an invalid option value, a command group run without
 * its subcommand), its message on stderr as Commander prints it; `--help` and `--version` still exit 0. Call it on
 * the finished tree: commands built apart and added with `addCommand` inherit nothing from the program, and
 * Commander exits 1 by default.
 */
export function exitOnUsageErrors(program: Command): Command {
  const exitWith =
    (usage: number) =>
    (err: CommanderError): never =>
      process.exit(err.exitCode === 0 ? 0 : usage)
  const visit = (command: Command): void => {
    const service = command.parent === program && SERVICE_COMMANDS.has(command.name())
    command.exitOverride(exitWith(service ? SERVICE_USAGE_EXIT : USAGE_EXIT))
    for (const sub of command.commands) visit(sub)
  }
  visit(program)
  return program
}

import { Command } from 'commander'
import { exitOnUsageErrors } from '../../lib/cli-usage.ts'
import { registerClientCommands } from './client-commands.ts'

/** `amtctl`: the manager's client commands on their own (tsx manager/cli/main.ts hosts list). */
const program = new Command('amtctl').description('client of the AMT manager API').showHelpAfterError()
registerClientCommands(program)
await exitOnUsageErrors(program).parseAsync(process.argv)

import { Command, InvalidArgumentError, Option } from 'commander'
import { versionText } from '../lib/build-info.ts'
import { exitOnUsageErrors } from '../lib/cli-usage.ts'
import { backupCommand } from './cli/backup-command.ts'
import { registerClientCommands } from './cli/client-commands.ts'
import { processIo } from './cli/io.ts'
import { DEFAULT_DEMO_HOSTS, MAX_DEMO_HOSTS } from './demo/fleet-plan.ts'

/**
 * The `amt-manager` command line. This module is the entry point: it acts on import.
 *   serve --config <file>     the manager service (exit 0 on SIGTERM/SIGINT, 1 bad config, 2 start-up failure)
 *   demo [--hosts N] ...      the one-command demo (embedded broker, SQLite, simulated RPS/MPS and fleet), then serves on
 *   backup --to <file>        online backup of the Inventory, the local secret store and the token database
 *   hosts | tenants | tokens  client commands (the API, or the local token store), as `amtctl`
 *   --version                 the package version (and the commit, for a build that knows it)
 * The service and the demo are imported when their command runs: a client command loads neither fastify, aedes,
 * grpc nor the database (its cold start: `npm run bench:cli`).
 */
const program = new Command('amt-manager')
  .description('Fleet manager for Intel AMT activation over MQTT')
  .version(versionText(), '-V, --version')
  .showHelpAfterError()

program
  .command('serve')
  .description('run the manager until SIGTERM/SIGINT')
  .requiredOption('-c, --config <file>', 'YAML configuration file (docs/operations.md)')
  .action(async ({ config }: { config: string }) => {
    const { runManager } = await import('./main.ts')
    process.exit(await runManager(config))
  })

program
  .command('demo')
  .description(
    'start the manager with the embedded broker, simulated RPS/MPS and a simulated fleet, activate it, show progress, keep serving',
  )
  .option('--hosts <n>', `simulated hosts (1-${MAX_DEMO_HOSTS})`, integer(1, MAX_DEMO_HOSTS), DEFAULT_DEMO_HOSTS)
  .option('--data-dir <dir>', 'Inventory, tokens and log (reused by a re-run)', 'data')
  .option('--api-port <port>', 'HTTP API port (0: any free port)', integer(0, 65535), 8080)
  .option('--mqtt-port <port>', 'MQTT (TCP) port of the embedded broker (0: any free port)', integer(0, 65535), 1883)
  .option(
    '--exit-when-settled',
    'stop once every host settled (exit 0 when each ended as expected) instead of serving on',
  )
  .addOption(
    new Option('--settle-timeout <ms>', 'give up waiting for the hosts after this long')
      .argParser(integer(1000, 3_600_000))
      .default(120_000),
  )
  .action(
    async (options: {
      hosts: number
      dataDir: string
      apiPort: number
      mqttPort: number
      exitWhenSettled?: boolean
      settleTimeout: number
    }) => {
      const { settleTimeout, exitWhenSettled, ...rest } = options
      const { runDemo } = await import('./demo/run-demo.ts')
      process.exit(
        await runDemo({ ...rest, exitWhenSettled: exitWhenSettled === true, settleTimeoutMs: settleTimeout }),
      )
    },
  )

program.addCommand(backupCommand(processIo))
registerClientCommands(program)

function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < min || parsed > max)
      throw new InvalidArgumentError(`expected an integer between ${min} and ${max}`)
    return parsed
  }
}

await exitOnUsageErrors(program).parseAsync(process.argv)

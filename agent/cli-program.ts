import { Command, InvalidArgumentError } from 'commander'
import { exitOnUsageErrors } from '../lib/cli-usage.ts'
import { endQuietlyOnClosedPipe } from '../lib/closed-pipe.ts'
import { createLogger } from '../lib/log.ts'
import { loadedFrom, printLoadFailure, printToStderr, SERVICE_EXIT } from '../lib/service-exit.ts'
import { createRealAdapters } from './adapters.ts'
import { loadAgentConfig } from './config.ts'
import { runAgent } from './main.ts'
import { registerSimulateCommand } from './simulate/cli-command.ts'
import { collectStatus, formatStatus } from './status.ts'
import { BUILD_COMMIT, versionText } from '../lib/build-info.ts'
import { AGENT_VERSION } from './version.ts'

/**
 * The `amt-agent` command line: run, status, simulate, version. Built here, parsed by the entry points:
 * cli.ts (the ES module bundle and the tsx launcher) and sea-main.ts (the single executable, CommonJS).
 */
export function createAgentProgram(): Command {
  const program = new Command('amt-agent')
    .description('Activates Intel AMT on this node as the fleet manager asks, over MQTT')
    .version(versionText(), '-V, --version')
    .showHelpAfterError()
    // `amt-agent status | head -1`: a reader that went away ends a command quietly (not `run`: it logs through pino)
    .hook('preAction', (_program, command) => {
      if (command.name() !== 'run') endQuietlyOnClosedPipe()
    })

  program
    .command('run')
    .description('run the agent until SIGTERM')
    .requiredOption('-c, --config <file>', 'YAML configuration file')
    .action(async ({ config }: { config: string }) => {
      process.exit(await runAgent(config))
    })

  program
    .command('status')
    .description('show what the agent sees: rpc, capability, phase, LMS, broker connection (runs rpc amtinfo)')
    .requiredOption('-c, --config <file>', 'YAML configuration file')
    .option('--json', 'print JSON')
    .option('--timeout <ms>', 'broker connect timeout', parseMs, 3000)
    .action(async ({ config: file, json, timeout }: { config: string; json?: boolean; timeout: number }) => {
      const loaded = loadedFrom(file, loadAgentConfig(file))
      if (!loaded.ok) {
        printLoadFailure('amt-agent', loaded, printToStderr)
        process.exit(SERVICE_EXIT.BAD_CONFIG)
      }
      const log = createLogger({ name: 'amt-agent', level: 'silent' })
      const { amt, services } = createRealAdapters(loaded.config, log)
      const report = await collectStatus({ config: loaded.config, amt, services, log, timeoutMs: timeout })
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report).join('\n')}\n`)
      process.exit(report.healthy ? SERVICE_EXIT.OK : SERVICE_EXIT.FATAL)
    })

  registerSimulateCommand(program)

  program
    .command('version')
    .description('print the agent version')
    .option('--json', 'print JSON')
    .action(({ json }: { json?: boolean }) => {
      const commit = BUILD_COMMIT === undefined ? {} : { commit: BUILD_COMMIT }
      const text = json ? JSON.stringify({ app: 'amt-agent', version: AGENT_VERSION, ...commit }) : versionText()
      process.stdout.write(`${text}\n`)
    })

  return exitOnUsageErrors(program)
}

function parseMs(value: string): number {
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms < 1 || ms > 600_000)
    throw new InvalidArgumentError('expected milliseconds between 1 and 600000')
  return ms
}

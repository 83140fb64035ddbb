import { InvalidArgumentError, type Command } from 'commander'
import {
  parseAssignment,
  parseFailRates,
  parseLatency,
  parseMix,
  parsePositive,
  parseTenants,
  parseTuning,
} from './cli-options.ts'
import type { SimulateCommandOptions } from './run-simulation.ts'

const integer = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

/** Adds `amt-agent simulate`: N real agents with simulated AMT devices in this process. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'run a fleet of simulated nodes (real agent code, simulated AMT) against a broker; prints progress and a summary',
    )
    .requiredOption('-b, --broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:1883')
    .option(
      '--credentials <file>',
      'hosts with their credentials (YAML/JSON: hosts: [{ tenantId, hostId, username, password, kind?, faults? }])',
    )
    .option('-n, --count <n>', 'number of hosts (with --password-pattern)', integer)
    .option('--tenants <n|a,b>', 'tenant count (tenant-1..n) or tenant ids', parseTenants)
    .option('--host-pattern <pattern>', 'hostId pattern: {n} (1-based, padded), {index}, {tenantId}', 'sim-{n}')
    .option(
      '--username-pattern <pattern>',
      'broker username pattern: {hostId}, {tenantId}, {n}, {index}',
      '{hostId}@{tenantId}',
    )
    .option('--password-pattern <pattern>', 'broker password pattern (demo credential stores only: it shows in ps)')
    .option('--mix <weights>', 'kind weights: amt=70,ism=20,not-capable=10,no-me=0', parseMix)
    .option(
      '--assign <who:what>',
      'explicit host, repeatable: 0:activation=102, sim-07:no-me, 3:lms, 4:stuck, 5:transient',
      parseAssignment,
    )
    .option('--latency <ms|min-max>', 'rpc call latency: 0, fixed ms, or a uniform range', parseLatency)
    .option(
      '--fail-rate <rates>',
      'share of capable hosts per failure class: transient=0.05,activation=0.01,lms=0.01,stuck=0.02',
      parseFailRates,
    )
    .option(
      '--activation-fail-code <code>',
      'rpc exit code of failing activations (default 102 ActivationFailed)',
      integer,
    )
    .option('--activation-fail-delay <ms>', 'failing activations exit only after this long (default 0)', integer)
    .option('--ramp <perSecond>', 'connections started per second (0: all at once)', parsePositive, 200)
    .option('--seed <seed>', 'seed of the mix, faults and latencies (same seed, same fleet)')
    .option(
      '--tuning <settings>',
      'agent tuning: reconcileIntervalMs=60000,retryBaseMs=200,stuckConnectingMs=2000,...',
      parseTuning,
    )
    .option('--log-level <level>', 'level of the shared agent logger (stderr)', 'warn')
    .option('--until-settled', 'exit once every host settled (PROVISIONED, NOT_SUPPORTED, FAILED ...)')
    .option('--timeout <seconds>', 'give up after this long (exit 3)', parsePositive)
    .option('--json', 'print the summary as JSON on stdout (progress goes to stderr)')
    .action(async (options: SimulateCommandOptions) => {
      // Loaded when asked for: an agent on a node never simulates, and the fleet's code is not in its memory. The
      // build makes it a file of its own next to the agent's bundle (scripts/build/agent.ts), which a node may lack.
      const simulator = await import('./run-simulation.ts').catch(notInstalled)
      process.exit(simulator === undefined ? 1 : await simulator.runSimulation(options))
    })
}

/** The simulator's own file is not next to the agent (a node's install ships the agent alone): said, exit 1. */
function notInstalled(err: unknown): undefined {
  const missing = err instanceof Error && 'code' in err && err.code === 'ERR_MODULE_NOT_FOUND'
  if (!missing || !err.message.includes('amt-agent-simulate.mjs')) throw err
  process.stderr.write(
    'amt-agent simulate: the fleet simulator is not installed with this agent (amt-agent-simulate.mjs is built ' +
      'next to it by npm run build; the single executable carries it)\n',
  )
  return undefined
}

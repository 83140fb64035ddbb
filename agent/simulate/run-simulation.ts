import { pino } from 'pino'
import { createLogger } from '../../lib/log.ts'
import { readCredentialsFile } from './credentials-file.ts'
import { createFleet, FleetConfigError, type Fleet, type FleetOptions } from './fleet.ts'
import type { Assignment, Failures, Latency } from './fleet-options.ts'
import { fillPattern } from './plan.ts'
import { formatProgress, formatSummary, summarize, type SimulationSummary } from './summary.ts'

/** Options of `amt-agent simulate`, as commander parsed them. */
export interface SimulateCommandOptions {
  broker: string
  credentials?: string
  count?: number
  tenants?: number | string[]
  hostPattern?: string
  usernamePattern: string
  passwordPattern?: string
  mix?: Partial<Record<'amt' | 'ism' | 'notCapable' | 'noMe', number>>
  assign?: Assignment[]
  latency?: Latency
  failRate?: Partial<Failures>
  activationFailCode?: number
  activationFailDelay?: number
  ramp: number
  seed?: string
  tuning?: Record<string, number | string>
  logLevel: string
  untilSettled?: boolean
  timeout?: number
  json?: boolean
}

/** Exit codes of `amt-agent simulate`. */
const SIMULATE_EXIT = { OK: 0, BAD_OPTIONS: 1, FATAL: 2, TIMEOUT: 3 } as const

export interface SimulationIo {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}

const PROGRESS_INTERVAL_MS = 1_000
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

/**
 * Runs the fleet, printing progress every second (one updating line on a TTY, plain lines otherwise; on stderr
 * with --json so stdout holds only the summary), until every host settled (--until-settled), SIGINT/SIGTERM or
 * --timeout; then stops the agents and prints the summary. Returns the exit code.
 */
export async function runSimulation(
  options: SimulateCommandOptions,
  io: SimulationIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const problem = (lines: string[]) => {
    io.stderr.write(
      `amt-agent simulate: ${lines.length > 1 ? '\n' : ''}${lines.map((line) => (lines.length > 1 ? `  ${line}` : line)).join('\n')}\n`,
    )
  }
  const built = await fleetOptions(options)
  if (!built.ok) {
    problem(built.problems)
    return SIMULATE_EXIT.BAD_OPTIONS
  }
  let fleet: Fleet
  try {
    fleet = createFleet(built.options)
  } catch (err) {
    if (!(err instanceof FleetConfigError)) throw err
    problem(err.problems)
    return SIMULATE_EXIT.BAD_OPTIONS
  }

  const out = options.json ? io.stderr : io.stdout
  const printer = progressPrinter(out, () => formatProgress(fleet.progress()))
  const rssBefore = process.memoryUsage.rss()
  let onSignal = (): void => undefined
  const signalled = new Promise<'signal'>((resolve) => (onSignal = () => resolve('signal')))
  for (const name of STOP_SIGNALS) process.on(name, onSignal)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (options.timeout !== undefined) timer = setTimeout(() => resolve('timeout'), options.timeout * 1000)
  })

  let ended: SimulationSummary['ended'] | 'failed'
  try {
    const settled = options.untilSettled
      ? fleet.settled().then(() => 'settled' as const)
      : new Promise<never>(() => undefined)
    settled.catch(() => undefined) // rejects when the fleet stops first: the race has moved on
    const started = fleet.start().then(() => new Promise<never>(() => undefined))
    ended = await Promise.race([settled, signalled, timedOut, started])
  } catch (err) {
    problem([`could not start the fleet: ${err instanceof Error ? err.message : String(err)}`])
    ended = 'failed'
  } finally {
    clearTimeout(timer)
    for (const name of STOP_SIGNALS) process.off(name, onSignal)
    printer.stop()
  }
  const summary = summarize({
    progress: fleet.progress(),
    hosts: fleet.hosts(),
    seed: built.seed,
    ended: ended === 'failed' ? 'signal' : ended,
    rssBefore,
  })
  await fleet.stop()
  if (ended === 'failed') return SIMULATE_EXIT.FATAL
  io.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary).join('\n')}\n`)
  return ended === 'timeout' ? SIMULATE_EXIT.TIMEOUT : SIMULATE_EXIT.OK
}

type Built = { ok: true; options: FleetOptions; seed: number | string } | { ok: false; problems: string[] }

async function fleetOptions(options: SimulateCommandOptions): Promise<Built> {
  if ((options.credentials === undefined) === (options.count === undefined))
    return { ok: false, problems: ['give either --credentials <file> or --count <n>'] }
  const seed = options.seed === undefined ? 1 : /^-?\d+$/.test(options.seed) ? Number(options.seed) : options.seed
  const common: FleetOptions = {
    brokerUrl: options.broker,
    seed,
    rampPerSecond: options.ramp,
    logLevel: options.logLevel as FleetOptions['logLevel'],
    mix: { ...options.mix, assign: options.assign ?? [] },
    failures: {
      ...options.failRate,
      ...(options.activationFailCode !== undefined ? { activationFailCode: options.activationFailCode } : {}),
      ...(options.activationFailDelay !== undefined ? { activationFailDelayMs: options.activationFailDelay } : {}),
    },
    ...(options.latency ? { latency: options.latency } : {}),
    ...(options.tuning ? { agent: options.tuning } : {}),
    log: createLogger({ name: 'amt-simulate', level: options.logLevel, destination: pino.destination(2) }),
  }
  if (options.credentials !== undefined) {
    const loaded = await readCredentialsFile(options.credentials)
    if (!loaded.ok) return loaded
    return { ok: true, seed, options: { ...common, hosts: loaded.hosts } }
  }
  const { passwordPattern, usernamePattern, count = 0 } = options
  if (passwordPattern === undefined)
    return { ok: false, problems: ['--count needs --password-pattern (and optionally --username-pattern)'] }
  const width = String(count).length
  const fill = (pattern: string, host: { index: number; tenantId: string; hostId: string }) =>
    fillPattern(pattern, { ...host, width })
  return {
    ok: true,
    seed,
    options: {
      ...common,
      count,
      ...(options.tenants !== undefined ? { tenants: options.tenants } : {}),
      ...(options.hostPattern !== undefined ? { hostIdPattern: options.hostPattern } : {}),
      credentials: (host) => ({ username: fill(usernamePattern, host), password: fill(passwordPattern, host) }),
    },
  }
}

/** Prints a line every second: one updating line on a TTY, plain lines otherwise. */
function progressPrinter(stream: NodeJS.WriteStream, line: () => string): { stop(): void } {
  const tty = stream.isTTY
  const print = () => stream.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`)
  const timer = setInterval(print, PROGRESS_INTERVAL_MS)
  return {
    stop() {
      clearInterval(timer)
      print()
      if (tty) stream.write('\n')
    },
  }
}

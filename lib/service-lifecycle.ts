import { reopenLogFile, type Logger } from './log.ts'
import {
  printLoadFailure,
  printToStderr,
  reportStartFailure,
  SERVICE_EXIT,
  type Loaded,
  type PrintLine,
} from './service-exit.ts'

/** A started service, as the lifecycle drives it. */
export interface RunningService {
  /** Graceful stop (stop intake, finish or end running work, close in reverse order). */
  stop(): Promise<void>
  /** What SIGHUP reloads besides reopening a log file; without it SIGHUP is logged as ignored. */
  reload?(): Promise<void>
  /**
   * A program that ends by itself (the demo, once its plan finished) resolves this with its exit code: it is then
   * stopped as after a signal and the process exits with that code. A rejection is a fatal error.
   */
  ended?: Promise<number>
}

/** The part of `process` the lifecycle listens on (tests pass an EventEmitter with an `exit`). */
export interface ProcessEvents {
  on(event: string, listener: (value: unknown) => void): unknown
  exit(code: number): void
}

export interface ServiceOptions<C> {
  /** The command, first word of every line printed on stderr (`amt-manager`). */
  name: string
  /**
   * Reads and validates the configuration (and whatever else must be right before anything starts): a failure is
   * printed with every problem and exits 1. A throw is a bug and rejects runService.
   */
  load(): Loaded<C> | Promise<Loaded<C>>
  /** The process's root logger, from the loaded configuration; the lifecycle speaks through its `main` child. */
  logger(config: C): Logger
  /** Starts the service; a rejection is a failed start (a StartupError names what to print and its exit code). */
  start(config: C, log: Logger): Promise<RunningService>
  /**
   * SIGHUP: `reload` (a service: reopen the log file, reload what can be reloaded; never stops) or `stop` (a
   * foreground program, whose closed terminal sends it: stops in order, as SIGTERM does). Default `reload`.
   */
  hangUp?: 'reload' | 'stop'
  /** Where load and start failures are printed; default stderr. */
  stderr?: PrintLine
  process?: ProcessEvents
}

type StopRequest =
  { kind: 'signal'; signal: string } | { kind: 'fatal'; err: unknown } | { kind: 'ended'; exitCode: number }

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * The one process lifecycle of the services and the demo:
 * - `load()` fails → every problem printed → 1; `start()` fails → `<name>: cannot start: …` → its code (1 or 2).
 * - SIGTERM / SIGINT (and SIGHUP with `hangUp: 'stop'`): graceful `stop()` (once started; a signal during start-up
 *   stops right after it) → 0; a second one while stopping or starting exits at once with 2.
 * - uncaught exception / unhandled rejection (or a rejected `ended`): logged fatal, graceful `stop()`, → 2.
 * - the service ended by itself (`ended`): graceful `stop()` → the code it ended with.
 * - SIGHUP by default never kills (see `onHangUp`).
 * Listeners are added once the configuration is loaded, with `on`, never `once`, and stay: execa's signal-exit
 * (used for rpc children) re-raises a signal it sees no other listener for, which would kill the process.
 * Resolves with the exit code; the caller exits with it.
 */
export async function runService<C>(options: ServiceOptions<C>): Promise<number> {
  const { name, process: events = process, stderr = printToStderr } = options
  const loaded = await options.load()
  if (!loaded.ok) {
    printLoadFailure(name, loaded, stderr)
    return SERVICE_EXIT.BAD_CONFIG
  }
  const root = options.logger(loaded.config)
  const log = root.child({ module: 'main' })
  let service: RunningService | undefined
  let first: StopRequest | undefined
  let failedWhileStopping = false
  let requested: (request: StopRequest) => void = () => undefined
  const stopRequest = new Promise<StopRequest>((resolve) => (requested = resolve))

  const request = (next: StopRequest): void => {
    if (first === undefined) {
      first = next
      logStopRequest(log, next, service !== undefined)
      requested(next)
    } else if (next.kind === 'signal') {
      log.warn({ signal: next.signal }, 'second signal: exiting at once')
      events.exit(SERVICE_EXIT.FATAL)
    } else if (next.kind === 'fatal') {
      failedWhileStopping = true
      log.fatal({ err: next.err }, 'fatal error while stopping')
    }
  }
  const stopSignals = options.hangUp === 'stop' ? [...STOP_SIGNALS, 'SIGHUP'] : STOP_SIGNALS
  for (const signal of stopSignals) events.on(signal, () => request({ kind: 'signal', signal }))
  events.on('uncaughtException', (err) => request({ kind: 'fatal', err }))
  events.on('unhandledRejection', (err) => request({ kind: 'fatal', err }))
  if (options.hangUp !== 'stop') onHangUp(log, events, () => (first === undefined ? service : undefined))

  try {
    service = await options.start(loaded.config, root)
  } catch (err) {
    return reportStartFailure(name, err, log, stderr)
  }
  service.ended?.then(
    (exitCode) => request({ kind: 'ended', exitCode }),
    (err: unknown) => request({ kind: 'fatal', err }),
  )
  const reason = await stopRequest
  try {
    await service.stop()
  } catch (err) {
    log.error({ err }, 'stop failed')
    return SERVICE_EXIT.FATAL
  }
  if (failedWhileStopping || reason.kind === 'fatal') return SERVICE_EXIT.FATAL
  return reason.kind === 'ended' ? reason.exitCode : SERVICE_EXIT.OK
}

function logStopRequest(log: Logger, request: StopRequest, started: boolean): void {
  if (request.kind === 'fatal') log.fatal({ err: request.err }, 'fatal error: stopping')
  else if (request.kind === 'ended') log.info({ exitCode: request.exitCode }, 'ended: stopping')
  else if (started) log.info({ signal: request.signal }, 'signal received: stopping')
  else log.info({ signal: request.signal }, 'signal received during start-up: stopping once up')
}

/**
 * SIGHUP, the reload signal, never kills: it reopens the log file (when logs go to a named file, for logrotate),
 * then reloads what the running service can reload (`reload()`), or says in the log that it is ignored. Reloads
 * run one after the other; a failed reload is logged and the service keeps running as it was. `running()` is the
 * service to reload, or undefined while starting or stopping.
 */
function onHangUp(log: Logger, events: Pick<ProcessEvents, 'on'>, running: () => RunningService | undefined): void {
  let previous = Promise.resolve()
  const hangUp = async (): Promise<void> => {
    const logFileReopened = reopenLogFile(log)
    const service = running()
    const fields = { signal: 'SIGHUP', logFileReopened }
    if (service?.reload === undefined) {
      const why = service ? 'nothing to reload (configuration changes need a restart)' : 'not running (start or stop)'
      return log.info(fields, logFileReopened ? `SIGHUP: log file reopened; ${why}` : `SIGHUP ignored: ${why}`)
    }
    log.info(fields, 'SIGHUP: reloading')
    const failed = (err: unknown): void => log.error({ err }, 'SIGHUP: reload failed; the service runs on as it was')
    await service.reload().catch(failed)
  }
  events.on('SIGHUP', () => {
    previous = previous.then(hangUp).catch((err: unknown) => log.error({ err }, 'SIGHUP handling failed'))
  })
}

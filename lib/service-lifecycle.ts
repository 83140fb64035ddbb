import { reopenLogFile, type Logger } from './log.ts'

/** Exit codes shared by the three services (`amt-manager serve`, `amt-agent run`, `amt-broker serve`). */
export const SERVICE_EXIT = { OK: 0, BAD_CONFIG: 1, FATAL: 2 } as const

/** A started service, as the lifecycle drives it. */
export interface RunningService {
  /** Graceful stop (stop intake, finish or end running work, close in reverse order). */
  stop(): Promise<void>
  /** What SIGHUP reloads besides reopening a log file; without it SIGHUP is logged as ignored. */
  reload?(): Promise<void>
}

/** The part of `process` the lifecycle listens on (tests pass an EventEmitter with an `exit`). */
export interface ProcessEvents {
  on(event: string, listener: (value: unknown) => void): unknown
  exit(code: number): void
}

export interface ServiceOptions {
  /** The logger the lifecycle speaks through (the caller's `module: 'main'` child); SIGHUP reopens its file. */
  log: Logger
  start(): Promise<RunningService>
  /** Reports a failed start and names its exit code; default: logged fatal `start-up failed`, exit 2. */
  startFailed?(err: unknown): number
  process?: ProcessEvents
}

type StopRequest = { kind: 'signal'; signal: string } | { kind: 'fatal'; err: unknown }

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * The one process lifecycle of the services. Listens from the call on:
 * - SIGTERM / SIGINT: graceful `stop()` (once started; a signal during start-up stops right after it) → 0;
 *   a second one while stopping or starting exits at once with 2.
 * - uncaught exception / unhandled rejection: logged fatal, graceful `stop()`, → 2.
 * - SIGHUP: never kills (see `onHangUp`).
 * Listeners are added with `on`, never `once`, and stay: execa's signal-exit (used for rpc children) re-raises a
 * signal it sees no other listener for, which would kill the process.
 * Resolves with the exit code; the caller exits with it.
 */
export async function runService(options: ServiceOptions): Promise<number> {
  const { log, process: events = process } = options
  let service: RunningService | undefined
  let first: StopRequest | undefined
  let failedWhileStopping = false
  let requested: (request: StopRequest) => void = () => undefined
  const stopRequest = new Promise<StopRequest>((resolve) => (requested = resolve))

  const request = (next: StopRequest): void => {
    if (first === undefined) {
      first = next
      const received = service ? 'signal received: stopping' : 'signal received during start-up: stopping once up'
      if (next.kind === 'fatal') log.fatal({ err: next.err }, 'fatal error: stopping')
      else log.info({ signal: next.signal }, received)
      requested(next)
    } else if (next.kind === 'signal') {
      log.warn({ signal: next.signal }, 'second signal: exiting at once')
      events.exit(SERVICE_EXIT.FATAL)
    } else {
      failedWhileStopping = true
      log.fatal({ err: next.err }, 'fatal error while stopping')
    }
  }
  for (const signal of STOP_SIGNALS) events.on(signal, () => request({ kind: 'signal', signal }))
  events.on('uncaughtException', (err) => request({ kind: 'fatal', err }))
  events.on('unhandledRejection', (err) => request({ kind: 'fatal', err }))
  onHangUp(log, events, () => (first === undefined ? service : undefined))

  try {
    service = await options.start()
  } catch (err) {
    return options.startFailed ? options.startFailed(err) : startFailed(log, err)
  }
  const reason = await stopRequest
  try {
    await service.stop()
  } catch (err) {
    log.error({ err }, 'stop failed')
    return SERVICE_EXIT.FATAL
  }
  return reason.kind === 'signal' && !failedWhileStopping ? SERVICE_EXIT.OK : SERVICE_EXIT.FATAL
}

function startFailed(log: Logger, err: unknown): number {
  log.fatal({ err }, 'start-up failed')
  return SERVICE_EXIT.FATAL
}

/**
 * SIGHUP, the reload signal, never kills: it reopens the log file (when logs go to a named file, for logrotate),
 * then reloads what the running service can reload (`reload()`), or says in the log that it is ignored. Reloads
 * run one after the other; a failed reload is logged and the service keeps running as it was. `running()` is the
 * service to reload, or undefined while starting or stopping.
 */
export function onHangUp(
  log: Logger,
  events: Pick<ProcessEvents, 'on'>,
  running: () => RunningService | undefined,
): void {
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

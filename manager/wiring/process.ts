import type { Logger } from '../../lib/log.ts'
import { reportStartFailure, SERVICE_EXIT, StartupError } from '../../lib/service-exit.ts'

// The demo's process: a foreground program that also ends by itself (stopRequested/shutDown), and waitFor.

/** Runs `start`; a failure is printed (with its problems) and logged, and becomes an exit code. */
export async function startOrReport<T>(start: () => Promise<T>, log: Logger, stderr: (line: string) => void): Promise<{ ok: true; value: T } | { ok: false; exitCode: number; err: unknown }> {
  try {
    return { ok: true, value: await start() }
  } catch (err) {
    return { ok: false, exitCode: reportStartFailure('amt-manager', err, log.child({ module: 'main' }), stderr), err }
  }
}

export type StopReason = { signal: NodeJS.Signals } | { err: unknown }

/**
 * For the demo, a foreground program: resolves at the first SIGTERM/SIGINT/SIGHUP (a closed terminal stops the demo
 * in order rather than killing it) or fatal error (uncaught exception, unhandled rejection); listens from now on.
 */
export function stopRequested(): Promise<StopReason> {
  return new Promise((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => resolve({ signal }))
    process.on('uncaughtException', (err) => resolve({ err }))
    process.on('unhandledRejection', (err) => resolve({ err }))
  })
}

/** Closes after a stop request: 0 after a signal, 2 after a fatal error. A second signal exits at once. */
export async function shutDown(reason: StopReason, running: { close(): Promise<void> }, log: Logger): Promise<number> {
  const mainLog = log.child({ module: 'main' })
  if ('signal' in reason) mainLog.info({ signal: reason.signal }, 'signal received: shutting down')
  else mainLog.fatal({ err: reason.err }, 'fatal error: shutting down')
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      mainLog.warn({ signal }, 'second signal during shutdown: exiting at once')
      process.exit(SERVICE_EXIT.FATAL)
    })
  }
  await running.close()
  return 'signal' in reason ? SERVICE_EXIT.OK : SERVICE_EXIT.FATAL
}

/** Waits for `ready`, logging with growing intervals (1, 2, 4 ... 15 s); a StartupError after `timeoutMs`. */
export async function waitFor(what: string, ready: Promise<void>, timeoutMs: number, log: Logger): Promise<void> {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    const remaining = timeoutMs - (Date.now() - started)
    if (remaining <= 0) throw new StartupError(`${what} did not answer within ${timeoutMs} ms (startup.timeoutMs)`)
    let timer: NodeJS.Timeout | undefined
    const tick = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.min(remaining, Math.min(15_000, 1000 * 2 ** attempt)))))
    const done = await Promise.race([ready.then(() => true), tick])
    clearTimeout(timer)
    if (done) return
    log.warn({ waitedMs: Date.now() - started, timeoutMs }, `waiting for ${what}`)
  }
}

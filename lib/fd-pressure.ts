import { readFileSync, readdirSync } from 'node:fs'
import type { Server } from 'node:net'
import type { Logger } from './log.ts'

/**
 * File-descriptor pressure: accept errors of a listener (EMFILE, ENFILE, ...) and the process's open descriptors
 * near its limit. Both are logged once per window with a count and reported to a counter; the process keeps
 * serving (a server 'error' without a listener would crash it).
 *
 * Note: libuv hides most EMFILE accepts (it closes a reserved descriptor, accepts and drops the waiting
 * connections): a refused client sees a reset and no accept error reaches the server. So the open-descriptor
 * sampler is what reliably sees the pressure; accept errors are the rarer case where even that reserve is gone.
 */
export interface FdPressureReport {
  listener: string
  /** Errno code (EMFILE, ENFILE, ...) of an accept error, or `high-water` when the sampler saw the limit near. */
  code: string
}

export interface PressureLogOptions {
  log: Logger
  count: (report: FdPressureReport) => void
  windowMs?: number
  now?: () => number
}

const FD_PRESSURE_WINDOW_MS = 60_000

/** One warning per listener and code in a window; the next after it carries the count of the ones in between. */
export function pressureLog({ log, count, windowMs = FD_PRESSURE_WINDOW_MS, now = Date.now }: PressureLogOptions) {
  const windows = new Map<string, { startedAt: number; suppressed: number }>()
  return (report: FdPressureReport, fields: Record<string, unknown> = {}): void => {
    count(report)
    const key = `${report.listener} ${report.code}`
    const at = now()
    const window = windows.get(key)
    if (window !== undefined && at - window.startedAt < windowMs) {
      window.suppressed += 1
      return
    }
    windows.set(key, { startedAt: at, suppressed: 0 })
    const since = window === undefined ? {} : { sinceLastWarning: window.suppressed, windowSeconds: windowMs / 1000 }
    log.warn({ ...report, ...fields, ...since }, 'file-descriptor pressure: new connections are being dropped')
  }
}

export type PressureReporter = ReturnType<typeof pressureLog>

/** Keeps a server alive through accept errors: reported (once per window), never thrown. Other errors are logged. */
export function watchAcceptErrors(server: Server, listener: string, report: PressureReporter, log: Logger): void {
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.syscall === 'accept') report({ listener, code: err.code ?? 'unknown' })
    else if (server.listening) log.error({ err, listener }, 'listener error')
  })
}

/** The soft open-files limit of this process (Linux /proc), or undefined where unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isInteger(soft) && soft > 0 ? soft : undefined
  } catch {
    return undefined
  }
}

/** Open descriptors of this process (Linux /proc), or undefined where unknown. */
function openFiles(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

export interface FdSamplerOptions {
  report: PressureReporter
  intervalMs?: number
  /** Share of the limit that counts as pressure. */
  highWater?: number
  limit?: number | undefined
}

/** Samples open descriptors every interval; above the high-water mark reports `high-water`. Returns stop(). */
export function sampleFdPressure({
  report,
  intervalMs = 5000,
  highWater = 0.8,
  limit = openFilesLimit(),
}: FdSamplerOptions): () => void {
  if (limit === undefined) return () => {}
  const timer = setInterval(() => {
    const open = openFiles()
    if (open !== undefined && open >= limit * highWater)
      report({ listener: 'process', code: 'high-water' }, { openFiles: open, limit })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

/**
 * Paths pino blanks in every log line. Secrets should never reach a logger in the first place; this is the
 * second line of defence.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'amtPassword',
  '*.amtPassword',
  'mebxPassword',
  '*.mebxPassword',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'env.AMT_PASSWORD',
  '*.env.AMT_PASSWORD',
]

export interface LogOptions {
  level?: string
  name: string
  destination?: DestinationStream
}

/** The one root logger of a process; modules take `log.child({ module })`. */
export function createLogger({ level = process.env.LOG_LEVEL ?? 'info', name, destination }: LogOptions): Logger {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
  return destination ? pino(options, destination) : pino(options)
}

/** A logger that writes nothing (tests that do not inspect logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

interface ReopenableFile {
  file: unknown
  reopen(): void
}

const isReopenableFile = (stream: unknown): stream is ReopenableFile =>
  typeof stream === 'object' &&
  stream !== null &&
  'reopen' in stream &&
  typeof stream.reopen === 'function' &&
  'file' in stream &&
  typeof stream.file === 'string'

/**
 * Reopens the log file of `log` in place (after logrotate moved it: SIGHUP). Returns false, doing nothing, when the
 * logger writes to a file descriptor (stdout, stderr) rather than to a named file.
 */
export function reopenLogFile(log: Logger): boolean {
  const stream: unknown = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym]
  if (!isReopenableFile(stream)) return false
  stream.reopen()
  return true
}

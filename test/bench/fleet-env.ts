/**
 * What every fleet benchmark prints around its figures: machine, versions, command line, load average before and
 * after; plus the process measurements they share (RSS from /proc) and a hard time limit.
 */
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import path from 'node:path'
import { describeMachine } from './machine.ts'

export const loadAverage = (): string =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')

/** The command as typed (node + script relative to the repository), for the record. */
export function commandLine(): string {
  const script = process.argv[1] === undefined ? '?' : path.relative(process.cwd(), process.argv[1])
  const viaNpm = process.env.npm_lifecycle_event === undefined ? '' : ` (npm run ${process.env.npm_lifecycle_event})`
  return `${['npx tsx', script, ...process.argv.slice(2)].join(' ')}${viaNpm}`
}

/** Machine, versions, command, load average: printed before anything runs. */
export async function printHeader(title: string): Promise<void> {
  console.log(`# ${title}`)
  console.log(await describeMachine())
  console.log(`command: ${commandLine()}`)
  const [oneMinute = 0] = loadavg()
  console.log(
    `load average (1/5/15 min) before: ${loadAverage()}${oneMinute > 1 ? ' — other work on the machine skews the figures' : ''}`,
  )
  console.log(`started: ${new Date().toISOString()}`)
}

export function printFooter(startedAt: number): void {
  console.log(`(total ${((Date.now() - startedAt) / 1000).toFixed(1)} s, load average after: ${loadAverage()})`)
}

export interface MemoryReading {
  /** Resident set size now, MiB. */
  rssMiB: number
  /** Peak resident set size of the process so far (VmHWM), MiB. */
  peakMiB: number
  /** Anonymous (heap, stacks) and file-backed (the node binary's pages, mapped files) parts of the RSS, MiB. */
  anonMiB: number
  fileMiB: number
}

/** RSS and peak RSS of a process from /proc/<pid>/status (Linux); undefined when unreadable. */
export async function memoryOf(pid: number): Promise<MemoryReading | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
    const reading = {
      rssMiB: kib('VmRSS') / 1024,
      peakMiB: kib('VmHWM') / 1024,
      anonMiB: kib('RssAnon') / 1024,
      fileMiB: kib('RssFile') / 1024,
    }
    return Number.isFinite(reading.rssMiB) ? reading : undefined
  } catch {
    return undefined
  }
}

/** Median RSS over `samples` readings `intervalMs` apart (and the last peak). */
export async function sampleMemory(pid: number, samples = 5, intervalMs = 1000): Promise<MemoryReading | undefined> {
  const readings: MemoryReading[] = []
  for (let i = 0; i < samples; i++) {
    if (i > 0) await delay(intervalMs)
    const reading = await memoryOf(pid)
    if (reading) readings.push(reading)
  }
  const last = readings.at(-1)
  if (last === undefined) return undefined
  const mid = (pick: (reading: MemoryReading) => number): number => median(readings.map(pick))
  return {
    rssMiB: mid((r) => r.rssMiB),
    peakMiB: last.peakMiB,
    anonMiB: mid((r) => r.anonMiB),
    fileMiB: mid((r) => r.fileMiB),
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** p-th percentile (nearest rank) of unsorted samples. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined; rejects with `what` after
 * `timeoutMs`. Returns the value and when it was first seen.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<{ value: T; at: number }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return { value, at: Date.now() }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await delay(intervalMs)
  }
}

/**
 * The benchmark's hard time limit: after `ms`, or on SIGINT/SIGTERM, `cleanup` runs (bounded to 10 s) and the
 * process exits (3 for the limit, 130 for a signal), whatever is still running: the brokers, managers and simulators
 * it started are stopped, not left behind. Returns a function that disarms both.
 */
export function hardTimeLimit(ms: number, cleanup: () => Promise<void>): () => void {
  const stop = (why: string, code: number): void => {
    console.error(`${why}: stopping`)
    const forced = setTimeout(() => process.exit(code), 10_000)
    forced.unref()
    cleanup()
      .catch((err: unknown) => console.error('cleanup failed', err))
      .finally(() => process.exit(code))
  }
  const timer = setTimeout(() => stop(`hard time limit of ${Math.round(ms / 1000)} s reached`, 3), ms)
  const onSignal = (signal: NodeJS.Signals): void => stop(signal, 130)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => {
    clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

export const fixed = (value: number | undefined, digits = 1): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits)

/** Logs `line()` every 30 s, prefixed with `what` and the time since the call, until the returned function is called. */
export function everyHalfMinute(what: string, line: () => Promise<string>): () => void {
  const began = Date.now()
  const timer = setInterval(() => {
    const at = `${what} +${Math.round((Date.now() - began) / 1000)} s`
    line().then(
      (text) => console.log(`  ${at}: ${text}`),
      (err: unknown) => console.log(`  ${at}: not read (${String(err)})`),
    )
  }, 30_000)
  return () => clearInterval(timer)
}

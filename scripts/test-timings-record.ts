/**
 * Per-file cost of the test suite: ava.config.js imports this module into every ava worker (`--import`, after tsx)
 * when TEST_TIMINGS_DIR is set, and changes nothing else. At the worker's exit it appends ONE JSON line to
 * $TEST_TIMINGS_DIR/timings.jsonl: the test file, the worker's wall time since its process started, its own CPU time
 * (all its threads) and the CPU time of the child processes it spawned and reaped (with their reaped descendants:
 * a PostgreSQL server's backends, a browser's renderers), from /proc/self/stat (cutime, cstime). A worker killed by
 * a signal (ava's timeout) writes no line. `scripts/test-timings.ts` prints the summary.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The kernel reports cutime/cstime in USER_HZ ticks, 100 per second on every Linux architecture Node runs on. */
const USER_HZ = 100

/** One line of timings.jsonl (scripts/test-timings.ts reads it). */
export interface TimingRecord {
  file: string
  pid: number
  /** Epoch ms when the worker process started (node's time origin). */
  start: number
  /** Epoch ms at its exit. */
  end: number
  /** ms from the process start until this module ran: node's start plus tsx's registration. */
  bootMs: number
  /** CPU ms of the worker itself, user and system. */
  userMs: number
  systemMs: number
  /** CPU ms of its reaped child processes and their reaped descendants, user and system. */
  childUserMs: number
  childSystemMs: number
  maxRssKiB: number
  exitCode: number
}

const bootMs = performance.now()

/** The test file the worker ran, relative to the project: ava's documented `test.meta.file` (a file URL). */
function testFile(): string {
  try {
    const ava = createRequire(import.meta.url)('ava') as { meta?: { file?: string } }
    const url = ava.meta?.file
    if (url !== undefined) return path.relative(process.cwd(), fileURLToPath(url))
  } catch {
    // ava never ran a file in this process (it failed before): say so below
  }
  return `(no test file, pid ${process.pid})`
}

/** Reaped children's CPU ms from /proc/self/stat: fields 16 and 17 (cutime, cstime), counted after the `)`. */
function childrenCpuMs(): { user: number; system: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = (field: number) => Number(fields[field - 3] ?? 0)
  return { user: (ticks(16) * 1000) / USER_HZ, system: (ticks(17) * 1000) / USER_HZ }
}

function record(dir: string, exitCode: number): void {
  const cpu = process.cpuUsage()
  const children = childrenCpuMs()
  const line: TimingRecord = {
    file: testFile(),
    pid: process.pid,
    start: Math.round(performance.timeOrigin),
    end: Date.now(),
    bootMs: Math.round(bootMs),
    userMs: Math.round(cpu.user / 1000),
    systemMs: Math.round(cpu.system / 1000),
    childUserMs: children.user,
    childSystemMs: children.system,
    maxRssKiB: process.resourceUsage().maxRSS,
    exitCode,
  }
  // One write() of a short line with O_APPEND: lines of concurrent workers never interleave.
  appendFileSync(path.join(dir, 'timings.jsonl'), `${JSON.stringify(line)}\n`)
}

const dir = process.env['TEST_TIMINGS_DIR']
if (dir) process.on('exit', (code) => record(dir, code))

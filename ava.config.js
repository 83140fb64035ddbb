import { mkdirSync } from 'node:fs'
import path from 'node:path'

// TEST_TIMINGS_DIR=<dir>: every worker also imports scripts/test-timings-record.ts, which appends the wall and CPU
// time of its test file to <dir>/timings.jsonl at its exit (summary: npx tsx scripts/test-timings.ts <dir>).
const timingsDir = process.env.TEST_TIMINGS_DIR ? path.resolve(process.env.TEST_TIMINGS_DIR) : undefined
if (timingsDir) mkdirSync(timingsDir, { recursive: true })
const recordTimings = timingsDir ? [`--import=${new URL('scripts/test-timings-record.ts', import.meta.url).href}`] : []

export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx', ...recordTimings],
  ...(timingsDir ? { environmentVariables: { TEST_TIMINGS_DIR: timingsDir } } : {}),
  // ava's timeout is GLOBAL inactivity: it fires when no test of ANY worker reported for this long (a test's own
  // t.timeout extends it). At 60 s an e2e test that legitimately ran ~60 s on a loaded machine made ava abort and
  // report another file's not-yet-started tests as pending (test/manager/grpc/auth.test.ts: "17 pending"). A real
  // hang is still caught, later; tests that wait on something bound each wait themselves.
  timeout: '240s',
  workerThreads: false,
  concurrency: 2,
}

/**
 * Prints where the test suite's time goes, from the lines scripts/test-timings-record.ts wrote during a run with
 * TEST_TIMINGS_DIR set (docs/testing.md): the totals, the top files by wall time and by CPU time, and the cost by folder.
 *   TEST_TIMINGS_DIR=.tmp/timings npx ava …   then   npx tsx scripts/test-timings.ts .tmp/timings [--top 15]
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { TimingRecord } from './test-timings-record.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
})
const source = positionals[0]
if (source === undefined) {
  console.error('usage: tsx scripts/test-timings.ts <TEST_TIMINGS_DIR or its timings.jsonl> [--top N]')
  process.exit(2)
}
const file = statSync(source).isDirectory() ? path.join(source, 'timings.jsonl') : source
const records = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as TimingRecord)
const top = Number(values.top)

const wallOf = (r: TimingRecord) => (r.end - r.start) / 1000
const selfOf = (r: TimingRecord) => (r.userMs + r.systemMs) / 1000
const childrenOf = (r: TimingRecord) => (r.childUserMs + r.childSystemMs) / 1000
const cpuOf = (r: TimingRecord) => selfOf(r) + childrenOf(r)
const sum = (list: readonly number[]) => list.reduce((a, b) => a + b, 0)
const s = (seconds: number, width = 7) => seconds.toFixed(1).padStart(width)
const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0

function table(title: string, rows: readonly TimingRecord[]): void {
  console.log(`\n${title}\n   wall     cpu    self  children  boot  rss MiB  file`)
  for (const r of rows) {
    const failed = r.exitCode === 0 ? '' : `  (exit ${r.exitCode})`
    const rss = String(Math.round(r.maxRssKiB / 1024)).padStart(8)
    console.log(
      `${s(wallOf(r))} ${s(cpuOf(r))} ${s(selfOf(r))} ${s(childrenOf(r), 9)} ${s(r.bootMs / 1000, 5)} ${rss}  ${r.file}${failed}`,
    )
  }
}

const span = (Math.max(...records.map((r) => r.end)) - Math.min(...records.map((r) => r.start))) / 1000
console.log(`${records.length} test files (${file}); ava's span ${s(span, 0)} s: first worker start to last exit`)
console.log(
  `sum over files: wall ${s(sum(records.map(wallOf)), 0)} s, CPU ${s(sum(records.map(cpuOf)), 0)} s ` +
    `(workers ${s(sum(records.map(selfOf)), 0)} s, their children ${s(sum(records.map(childrenOf)), 0)} s); ` +
    `median file: wall ${median(records.map(wallOf)).toFixed(2)} s, CPU ${median(records.map(cpuOf)).toFixed(2)} s, ` +
    `boot ${median(records.map((r) => r.bootMs / 1000)).toFixed(2)} s`,
)
table(`top ${top} by wall`, [...records].sort((a, b) => wallOf(b) - wallOf(a)).slice(0, top))
table(`top ${top} by CPU`, [...records].sort((a, b) => cpuOf(b) - cpuOf(a)).slice(0, top))

const folders = new Map<string, TimingRecord[]>()
for (const r of records) {
  const folder = path.dirname(r.file).split('/').slice(0, 3).join('/')
  folders.set(folder, [...(folders.get(folder) ?? []), r])
}
console.log('\nby folder\n  files     wall      cpu  folder')
for (const [folder, rows] of [...folders].sort((a, b) => sum(b[1].map(wallOf)) - sum(a[1].map(wallOf))))
  console.log(
    `${String(rows.length).padStart(7)} ${s(sum(rows.map(wallOf)), 8)} ${s(sum(rows.map(cpuOf)), 8)}  ${folder}`,
  )

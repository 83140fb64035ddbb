/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a .cpuprofile file) and prints where the time went, bottom-up: self
 * time summed by function and by module (an npm package, a file of this project, node's own code, or V8's
 * "(garbage collector)", "(idle)", "(program)"), optionally over a window of the profile only (milliseconds from its
 * start: the connection storm's restarted manager, from its start to the last desired re-delivered). A script that
 * prints figures (docs/benchmarks.md), not a test.
 *
 *   npx tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [--from-ms 0] [--to-ms 30000] [--top 40]
 *                                            [--buckets 1000]
 * --buckets N: also print the busy share and the leading modules per N ms of the window (a timeline).
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'from-ms': { type: 'string', default: '0' },
    'to-ms': { type: 'string', default: 'Infinity' },
    top: { type: 'string', default: '40' },
    buckets: { type: 'string', default: '0' },
  },
})
const [file] = positionals
if (file === undefined) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [--from-ms] [--to-ms]')
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
const fromUs = Number(args['from-ms']) * 1000
const toUs = Number(args['to-ms']) * 1000
const top = Number(args.top)
const bucketUs = Number(args.buckets) * 1000

const byId = new Map(profile.nodes.map((node) => [node.id, node]))

/** The module a frame belongs to: an npm package, a project file, node's internals, or V8's pseudo-frames. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (packageMatch?.[1] !== undefined) return packageMatch[1]
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const dist = /\/dist\/([^/]+)$/.exec(url)
  if (dist?.[1] !== undefined) return `dist/${dist[1]}`
  return url.replace(/^file:\/\//, '').replace(/^.*\/(agent|broker|manager|lib|schemas|test)\//, '$1/')
}

const label = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame
  return `${functionName || '(anonymous)'} ${moduleOf(url, functionName)}:${lineNumber + 1}`
}

const selfByFunction = new Map<string, number>()
const selfByModule = new Map<string, number>()
const buckets: Array<Map<string, number>> = []
let total = 0
let at = 0
for (let index = 0; index < profile.samples.length; index++) {
  const delta = profile.timeDeltas[index] ?? 0
  at += delta
  if (at < fromUs || at > toUs) continue
  const node = byId.get(profile.samples[index] ?? -1)
  if (node === undefined) continue
  const functionKey = label(node)
  const moduleKey = moduleOf(node.callFrame.url, node.callFrame.functionName)
  selfByFunction.set(functionKey, (selfByFunction.get(functionKey) ?? 0) + delta)
  selfByModule.set(moduleKey, (selfByModule.get(moduleKey) ?? 0) + delta)
  total += delta
  if (bucketUs > 0) {
    const slot = Math.floor((at - fromUs) / bucketUs)
    const bucket = (buckets[slot] ??= new Map())
    bucket.set(moduleKey, (bucket.get(moduleKey) ?? 0) + delta)
  }
}

const ms = (us: number): string => (us / 1000).toFixed(0).padStart(7)
const share = (us: number): string => ((100 * us) / Math.max(total, 1)).toFixed(1).padStart(5) + ' %'
function printTable(title: string, rows: Map<string, number>): void {
  console.log(`\n${title}`)
  for (const [key, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${ms(us)} ms ${share(us)}  ${key}`)
}

const profileMs = (profile.endTime - profile.startTime) / 1000
console.log(
  `${file}: ${profileMs.toFixed(0)} ms of profile; window ${ms(fromUs).trim()}–${ms(Math.min(toUs, at)).trim()} ms`,
)
console.log(`sampled in the window: ${ms(total).trim()} ms`)
printTable('self time by module', selfByModule)
printTable('self time by function', selfByFunction)
if (bucketUs > 0) {
  console.log(`\ntimeline (${bucketUs / 1000} ms per row): busy share, then the leading modules`)
  buckets.forEach((bucket, slot) => {
    const idle = bucket.get('(idle)') ?? 0
    const sum = [...bucket.values()].reduce((a, b) => a + b, 0)
    const leading = [...bucket]
      .filter(([key]) => key !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([key, us]) => `${key} ${ms(us).trim()}`)
      .join(', ')
    const busy = ((100 * (sum - idle)) / Math.max(sum, 1)).toFixed(0).padStart(3)
    console.log(`${String((slot * bucketUs) / 1000).padStart(7)} ms  busy ${busy} %  ${leading}`)
  })
}

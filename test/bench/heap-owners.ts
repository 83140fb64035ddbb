/**
 * Where a process's live heap goes per connected node: reads a heap snapshot of the manager (fleet.ts --only memory
 * with `--manager-node-options=--heapsnapshot-signal=SIGUSR2`, then `kill -USR2 <manager pid>` once the fleet has
 * reported) and prints the bytes per host each owner keeps. Every reachable object is counted once, under the
 * nearest object dominating it (itself included) whose class is one of the owners; `(none)` is the rest (code,
 * modules, Node's own, and per-connection objects no single owner dominates). A script that prints figures
 * (docs/benchmarks.md "Memory per connected node"), not a test.
 *
 *   node --max-old-space-size=6000 --import tsx test/bench/heap-owners.ts <file.heapsnapshot> [--hosts 10000]
 *        [--owners A,B,…] [--detail A,B,…] [--top 15]
 * --detail: the classes inside these owners (B per host, objects per host).
 */
import { parseArgs } from 'node:util'
import { readHeapSnapshot } from './heap-snapshot.ts'

const OWNERS = [
  'IndexedMemoryPersistence',
  'Socket',
  'Parser',
  'Client',
  'Aedes',
  'HostBook',
  'TextPool',
  'StatusPublisher',
  'HostChangeFeed',
  'ConnectionRegistry',
  'DeviceBudget',
  'HostBudget',
]

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hosts: { type: 'string', default: '10000' },
    owners: { type: 'string', default: OWNERS.join(',') },
    detail: { type: 'string', default: 'IndexedMemoryPersistence,Parser,HostBook,HostChangeFeed,(none)' },
    top: { type: 'string', default: '15' },
  },
})
const [file] = positionals
if (file === undefined) throw new Error('usage: heap-owners.ts <file.heapsnapshot> [--hosts 10000] [--owners …]')
const hosts = Number(args.hosts)
const top = Number(args.top)
const owners = new Set(args.owners.split(','))

const started = Date.now()
const graph = await readHeapSnapshot(file)
const { count, order, idom, root } = graph
/** A class: type and constructor name (strings by type alone, their text is not a class). */
const label = (node: number): string => {
  const type = graph.typeOf(node)
  return type.endsWith('string') ? type : `${type}:${graph.nameOf(node).slice(0, 60)}`
}
const perHost = (bytes: number): string => (bytes / hosts).toFixed(0).padStart(7)
const MiB = (bytes: number): string => (bytes / 1048576).toFixed(1).padStart(7)

/** The postorder number of each node's nearest dominating owner (itself included), -1 for none. */
const ownerOf = new Int32Array(count).fill(-1)
for (let p = root; p >= 0; p--) {
  const node = order[p]!
  const isOwner = graph.typeOf(node) === 'object' && owners.has(graph.nameOf(node))
  ownerOf[p] = isOwner ? p : p === root ? -1 : ownerOf[idom[p]!]!
}
const ownerName = (p: number): string => (ownerOf[p]! < 0 ? '(none)' : graph.nameOf(order[ownerOf[p]!]!))

let total = 0
const byOwner = new Map<string, { bytes: number; objects: number }>()
for (let p = 0; p < count; p++) {
  const node = order[p]!
  total += graph.selfOf(node)
  const entry = byOwner.get(ownerName(p)) ?? { bytes: 0, objects: 0 }
  entry.bytes += graph.selfOf(node)
  if (ownerOf[p] === p) entry.objects++
  byOwner.set(ownerName(p), entry)
}
console.log(`${file}: ${count} reachable objects read in ${((Date.now() - started) / 1000).toFixed(0)} s`)
console.log(`reachable heap ${MiB(total)} MiB = ${perHost(total)} B per host (${hosts} hosts)\n`)
console.log('owner                          B/host     MiB  owner objects')
for (const [name, { bytes, objects }] of [...byOwner].sort((a, b) => b[1].bytes - a[1].bytes))
  console.log(`${name.padEnd(28)} ${perHost(bytes)} ${MiB(bytes)}  ${objects}`)

/** Sums `bytes` (and a count) by key over the reachable objects `keyOf` names (undefined: skipped), largest first. */
function tally(keyOf: (p: number) => string | undefined, bytesOf: (p: number) => number) {
  const sums = new Map<string, { bytes: number; count: number }>()
  for (let p = 0; p < count; p++) {
    const key = keyOf(p)
    if (key === undefined) continue
    const entry = sums.get(key) ?? { bytes: 0, count: 0 }
    entry.bytes += bytesOf(p)
    entry.count++
    sums.set(key, entry)
  }
  return [...sums].sort((a, b) => b[1].bytes - a[1].bytes)
}
const print = (title: string, rows: ReturnType<typeof tally>): void => {
  console.log(`\n== ${title}: B/host, count/host`)
  for (const [key, { bytes, count: n }] of rows.slice(0, top))
    console.log(`${perHost(bytes)} ${(n / hosts).toFixed(2).padStart(7)}  ${key}`)
}
const self = (p: number): number => graph.selfOf(order[p]!)

for (const owner of args.detail.split(','))
  print(
    `inside ${owner}`,
    tally((p) => (ownerName(p) === owner ? label(order[p]!) : undefined), self),
  )

print(
  'ArrayBuffer memory by owner and size',
  tally((p) => {
    const node = order[p]!
    if (graph.nameOf(node) !== 'system / JSArrayBufferData') return undefined
    const size = graph.selfOf(node)
    return `${ownerName(p)} ${size < 1 ? 0 : 2 ** Math.floor(Math.log2(size))}..`
  }, self),
)
print(
  'strings of 8–200 characters held more than once per host (copies of one text)',
  tally((p) => {
    const node = order[p]!
    const name = graph.nameOf(node)
    return graph.typeOf(node) === 'string' && name.length >= 8 && name.length <= 200 ? name.slice(0, 70) : undefined
  }, self).filter(([, { count: n }]) => n > hosts),
)
print(
  '(none) by class and immediate dominator (retained)',
  tally(
    (p) => {
      if (ownerOf[p]! >= 0 || p === root) return undefined
      const up = order[idom[p]!]!
      return `${label(order[p]!)} <-.${graph.edgeName(up, order[p]!)} ${label(up)}`
    },
    (p) => graph.retained[p]!,
  ),
)

/**
 * Credentials file benchmark (prints figures; not a test): what loading an `amt-broker` credentials file of a large
 * fleet costs, JSON against YAML block style, in the same run. Each load runs in a fresh child process (through
 * FileCredentialStore.load, as `amt-broker serve` and SIGHUP do) and reports its wall time, CPU time, peak RSS, the
 * RSS 10 s later and the live heap the store keeps (after a full GC), the last three also per principal.
 * The principals are devices named as the manager names them (`<hostId>@<tenantId>`) and the manager; by default they share one HMAC hash (as the fleet benchmark writes
 * them); `--distinct-hashes` gives each its own, as a real fleet has.
 * `--trees a,b` loads with the code of other checkouts (A/B: e.g. a worktree of main against this one), interleaved.
 *
 *   npx tsx test/bench/credential-file.ts [--principals 100000] [--runs 3] [--formats yaml,json] [--distinct-hashes]
 *                                         [--trees /work/wt-base,.]
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs, promisify } from 'node:util'
import { stringify } from 'yaml'
import type { FileCredentialStore } from '../../broker/auth/file-credential-store.ts'
import { hashRandomSecret } from '../../broker/auth/password-hash.ts'
import { deviceUsername } from '../../schemas/principals.ts'
import { median } from './fleet-env.ts'

interface LoadFigures {
  ms: number
  cpuMs: number
  /** Peak RSS over the RSS before the load. */
  peakMiB: number
  /** RSS 10 s after the load over the RSS before it, the store still referenced: what an idle broker keeps. */
  idleMiB: number
  /** V8's used heap after a full GC, the store referenced, over the same before the load: what the store holds. */
  liveMiB: number
}

const run = promisify(execFile)
const kept: unknown[] = []
const MiB = 1024 * 1024

async function child(file: string, tree: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run the child with --expose-gc')
  const moduleUrl = pathToFileURL(path.resolve(tree, 'broker/auth/file-credential-store.ts')).href
  const { FileCredentialStore: Store } = (await import(moduleUrl)) as {
    FileCredentialStore: typeof FileCredentialStore
  }
  gc()
  const before = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed }
  const started = performance.now()
  const cpu = process.cpuUsage()
  const loaded = await Store.load(file)
  if (!loaded.ok) throw new Error(loaded.problems.slice(0, 3).join('; '))
  const used = process.cpuUsage(cpu)
  kept.push(loaded.store) // referenced until the figures are taken, as a broker keeps it
  const ms = performance.now() - started
  await delay(10_000)
  const idleRss = process.memoryUsage().rss
  gc()
  const figures: LoadFigures = {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    peakMiB: (process.resourceUsage().maxRSS * 1024 - before.rss) / MiB,
    idleMiB: (idleRss - before.rss) / MiB,
    liveMiB: (process.memoryUsage().heapUsed - before.heap) / MiB,
  }
  process.stdout.write(JSON.stringify(figures))
  kept.length = 0
}

async function measure(file: string, tree: string): Promise<LoadFigures> {
  const script = fileURLToPath(import.meta.url)
  const args = ['--expose-gc', '--import', 'tsx', script, '--child', file, '--trees', tree]
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20, timeout: 600_000 })
  return JSON.parse(stdout) as LoadFigures
}

function principalsOf(count: number, distinctHashes: boolean): object[] {
  const shared = hashRandomSecret('bench-device-password')
  const hash = (): string => (distinctHashes ? hashRandomSecret('bench-device-password') : shared)
  return [
    { username: 'bench-manager', role: 'manager', passwordHash: hash() },
    ...Array.from({ length: count }, (_, index) => {
      const id = `node-${String(index).padStart(6, '0')}`
      const username = deviceUsername({ tenantId: 'bench', hostId: id })
      return { username, role: 'device', tenantId: 'bench', hostId: id, passwordHash: hash() }
    }),
  ]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      principals: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '3' },
      formats: { type: 'string', default: 'yaml,json' },
      'distinct-hashes': { type: 'boolean', default: false },
      trees: { type: 'string', default: '.' },
      child: { type: 'string' },
    },
  })
  if (values.child !== undefined) return child(values.child, values.trees)
  const count = Number(values.principals)
  const runs = Number(values.runs)
  const formats = values.formats.split(',') as ('json' | 'yaml')[]
  const trees = values.trees.split(',')
  const principals = principalsOf(count, values['distinct-hashes'])
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-credential-bench-'))
  try {
    const files = { json: path.join(dir, 'credentials.json'), yaml: path.join(dir, 'credentials.yaml') }
    for (const format of formats)
      await writeFile(files[format], format === 'json' ? JSON.stringify({ principals }) : stringify({ principals }))
    const hashes = values['distinct-hashes'] ? 'a hash each' : 'one shared hash'
    console.log(`# credentials file: ${count} devices + the manager (${hashes}), ${runs} load(s) each, interleaved`)
    const variants = trees.flatMap((tree) => formats.map((format) => ({ tree, format, label: `${tree} ${format}` })))
    const results = new Map(variants.map(({ label }) => [label, [] as LoadFigures[]]))
    for (let round = 0; round < runs; round++)
      for (const { tree, format, label } of variants) results.get(label)?.push(await measure(files[format], tree))
    const medianOf = (label: string, pick: (figures: LoadFigures) => number): number =>
      median((results.get(label) ?? []).map(pick))
    for (const { label } of variants) {
      const list = results.get(label) ?? []
      const of = (pick: (figures: LoadFigures) => number, digits = 0): string =>
        `${medianOf(label, pick).toFixed(digits)} (${list.map((figures) => pick(figures).toFixed(digits)).join(', ')})`
      const perPrincipal = (mib: number): number => (mib * MiB) / 1000 / (count + 1)
      console.log(
        `${label}: load ms ${of((f) => f.ms)}; CPU ms ${of((f) => f.cpuMs)}; peak +MiB ${of((f) => f.peakMiB)}; ` +
          `RSS 10 s later +MiB ${of((f) => f.idleMiB)}; live heap +MiB ${of((f) => f.liveMiB, 1)}; kB per principal: ` +
          `peak ${of((f) => perPrincipal(f.peakMiB), 2)}, kept ${of((f) => perPrincipal(f.idleMiB), 2)}, ` +
          `live ${of((f) => perPrincipal(f.liveMiB), 3)}`,
      )
    }
    const [first, second] = variants
    if (first !== undefined && second !== undefined) {
      const ratio = (pick: (figures: LoadFigures) => number): string =>
        (medianOf(second.label, pick) / medianOf(first.label, pick)).toFixed(3)
      console.log(
        `${second.label} / ${first.label} (medians): load time ${ratio((f) => f.ms)}, CPU ${ratio((f) => f.cpuMs)}, ` +
          `peak ${ratio((f) => f.peakMiB)}, RSS 10 s later ${ratio((f) => f.idleMiB)}, live ${ratio((f) => f.liveMiB)}`,
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()

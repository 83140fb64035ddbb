/**
 * Credentials file benchmark (prints figures; not a test): what loading an `amt-broker` credentials file of a large
 * fleet costs, JSON against YAML block style, in the same run. Each load runs in a fresh child process (through
 * FileCredentialStore.load, as `amt-broker serve` and SIGHUP do) and reports its wall time, CPU time and peak RSS.
 * The principals are devices with one shared HMAC hash (as the fleet benchmark writes them) and the manager.
 *
 *   npx tsx test/bench/credential-file.ts [--principals 100000] [--runs 3]
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs, promisify } from 'node:util'
import { stringify } from 'yaml'
import { FileCredentialStore } from '../../broker/auth/file-credential-store.ts'
import { hashRandomSecret } from '../../broker/auth/password-hash.ts'
import { median } from './fleet-env.ts'

interface LoadFigures {
  ms: number
  cpuMs: number
  peakRssMiB: number
  /** RSS 10 s after the load, the store still referenced: what an idle broker keeps of it. */
  idleRssMiB: number
}

const run = promisify(execFile)
const kept: unknown[] = []

async function child(file: string): Promise<void> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const loaded = await FileCredentialStore.load(file)
  if (!loaded.ok) throw new Error(loaded.problems.slice(0, 3).join('; '))
  const used = process.cpuUsage(cpu)
  kept.push(loaded.store) // referenced until the figures are taken, as a broker keeps it
  const ms = performance.now() - started
  await delay(10_000)
  const figures: LoadFigures = {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    idleRssMiB: process.memoryUsage().rss / 1024 / 1024,
  }
  process.stdout.write(JSON.stringify(figures))
  kept.length = 0
}

async function measure(file: string): Promise<LoadFigures> {
  const script = fileURLToPath(import.meta.url)
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--child', file], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  })
  return JSON.parse(stdout) as LoadFigures
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      principals: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '3' },
      child: { type: 'string' },
    },
  })
  if (values.child !== undefined) return child(values.child)
  const count = Number(values.principals)
  const runs = Number(values.runs)
  const passwordHash = hashRandomSecret('bench-device-password')
  const principals = [
    { username: 'bench-manager', role: 'manager', passwordHash },
    ...Array.from({ length: count }, (_, index) => {
      const id = `node-${String(index).padStart(6, '0')}`
      return { username: `amt-agent:bench:${id}`, role: 'device', tenantId: 'bench', hostId: id, passwordHash }
    }),
  ]
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-credential-bench-'))
  try {
    const files = { json: path.join(dir, 'credentials.json'), yaml: path.join(dir, 'credentials.yaml') }
    await writeFile(files.json, JSON.stringify({ principals }))
    await writeFile(files.yaml, stringify({ principals }))
    console.log(`# credentials file: ${count} devices + the manager, ${runs} load(s) per format, interleaved`)
    const results: Record<'json' | 'yaml', LoadFigures[]> = { json: [], yaml: [] }
    for (let round = 0; round < runs; round++)
      for (const format of ['yaml', 'json'] as const) results[format].push(await measure(files[format]))
    const line = (format: 'json' | 'yaml'): string => {
      const list = results[format]
      const of = (pick: (figures: LoadFigures) => number): string =>
        `${median(list.map(pick)).toFixed(0)} (${list.map((figures) => pick(figures).toFixed(0)).join(', ')})`
      return (
        `${format}: load ms ${of((f) => f.ms)}; CPU ms ${of((f) => f.cpuMs)}; peak RSS MiB ${of((f) => f.peakRssMiB)}; ` +
        `RSS 10 s later MiB ${of((f) => f.idleRssMiB)}`
      )
    }
    console.log(line('yaml'))
    console.log(line('json'))
    const ratio = (pick: (figures: LoadFigures) => number): string =>
      (median(results.json.map(pick)) / median(results.yaml.map(pick))).toFixed(3)
    console.log(
      `json / yaml (medians): load time ${ratio((f) => f.ms)}, CPU ${ratio((f) => f.cpuMs)}, ` +
        `peak RSS ${ratio((f) => f.peakRssMiB)}, RSS 10 s later ${ratio((f) => f.idleRssMiB)}`,
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()

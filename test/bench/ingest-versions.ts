/**
 * The manager's ingest path, several versions of the code side by side in ONE process (prints figures; not a test):
 * each version is imported from its own checkout (a git worktree), gets its own SQLite Inventory (a file in a temp
 * dir, as the manager opens it) with 2 000 hosts, and is fed the ingest benchmark's worst-case `state` messages
 * (every one flips the phase) through its own dispatcher and core — no broker, no sockets: the manager's CPU per
 * message and nothing else. Chunks of messages alternate between the versions (each round in a rotated order, a full
 * GC before each chunk), so whatever else the machine runs falls on all of them alike; it prints each version's CPU
 * µs per message (process.cpuUsage: every thread of the process) and its ratio to the first version's chunk of the
 * same round. On a shared machine this separates changes of a few % that test/bench/ingest.ts cannot.
 *
 *   node --expose-gc --import tsx test/bench/ingest-versions.ts [--rounds 14] [--chunk 10000] DIR [DIR ...]
 *   e.g. DIRs /work/wt-x-base /work/wt-x (each a checkout with node_modules)
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { managerModulesOf } from './checkout-modules.ts'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '14' }, chunk: { type: 'string', default: '10000' } },
})
const HOSTS = 2000
const TENANT = 'bench'
const ROUNDS = Number(args.rounds)
const CHUNK = Number(args.chunk)
/** Messages in flight at once: about one ingest batch. */
const IN_FLIGHT = 1000
const gc = (globalThis as { gc?: () => void }).gc

interface Version {
  dir: string
  dispatch: (topic: string, payload: Uint8Array, retained: boolean) => Promise<unknown>
  close: () => Promise<void>
  sent: number
  boots: string[]
  published: number
  samples: number[]
}

async function start(dir: string): Promise<Version> {
  const { silentLogger, core, bus, sqlite, metricsModule } = await managerModulesOf(dir)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ingest-versions-'))
  const inventory = await sqlite.openSqliteInventory({ dataDir })
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createHosts(Array.from({ length: HOSTS }, (_, i) => ({ tenantId: TENANT, hostId: `h-${i}` })))
  const log = silentLogger()
  const metrics = metricsModule.createManagerMetrics(inventory)
  const version: Version = {
    dir,
    dispatch: () => Promise.resolve(),
    close: () => Promise.resolve(),
    sent: 0,
    boots: Array.from({ length: HOSTS }, () => randomUUID()),
    published: 0,
    samples: [],
  }
  const outbound = { publish: () => void version.published++ }
  const managerCore = core.createManagerCore({ inventory, outbound, log, metrics })
  version.dispatch = bus.createDispatcher({ record: managerCore.record, log, metrics })
  version.close = async () => {
    await managerCore.stop()
    await inventory.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return version
}

/** The next `state` message of the round-robin over the hosts: its phase flips on each pass. */
function nextMessage(version: Version): { topic: string; payload: Buffer } {
  const n = version.sent++
  const host = n % HOSTS
  const round = Math.floor(n / HOSTS)
  const phase = round % 2 === 1 ? 'PROVISIONED' : 'ACTIVATING'
  const payload = {
    v: 1,
    ts: new Date().toISOString(),
    hostId: `h-${host}`,
    bootId: version.boots[host],
    seq: round,
    phase,
    observedGeneration: 0,
    controlMode: phase === 'PROVISIONED' ? 'CCM' : 'PRE_PROVISIONING',
    remoteStatus: null,
  }
  return { topic: `amt/v1/${TENANT}/h-${host}/state`, payload: Buffer.from(JSON.stringify(payload)) }
}

async function runChunk(version: Version, measured: boolean): Promise<void> {
  const messages = Array.from({ length: CHUNK }, () => nextMessage(version))
  gc?.()
  const started = process.cpuUsage()
  for (let i = 0; i < messages.length; i += IN_FLIGHT) {
    await Promise.all(messages.slice(i, i + IN_FLIGHT).map((m) => version.dispatch(m.topic, m.payload, false)))
  }
  const used = process.cpuUsage(started)
  if (measured) version.samples.push((used.user + used.system) / CHUNK)
}

const quantile = (values: readonly number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)] ?? Number.NaN

if (positionals.length === 0) throw new Error('name at least one checkout directory')
if (gc === undefined) console.log('(no --expose-gc: chunks are not separated by a GC; the figures mix the versions)')
const versions: Version[] = []
for (const dir of positionals) versions.push(await start(dir))
for (const version of versions) await runChunk(version, false)
const ratios = versions.map((): number[] => [])
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < versions.length; k++) await runChunk(versions[(k + round) % versions.length]!, true)
  const first = versions[0]!.samples.at(-1)!
  versions.forEach((version, i) => ratios[i]!.push(version.samples.at(-1)! / first))
}
console.log(`${ROUNDS} rounds of ${CHUNK} worst-case messages per version, ${HOSTS} hosts; CPU µs per message:`)
versions.forEach((version, i) => {
  const [s, r] = [version.samples, ratios[i]!]
  const spread = (values: number[], digits: number) =>
    `${quantile(values, 0.5).toFixed(digits)} (quartiles ${quantile(values, 0.25).toFixed(digits)}–${quantile(values, 0.75).toFixed(digits)})`
  console.log(
    `${version.dir}: ${spread(s, 1)} µs; ratio to the first, paired by round: ${spread(r, 3)}; ` +
      `status publications ${version.published}`,
  )
})
for (const version of versions) await version.close()

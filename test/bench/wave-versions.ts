/**
 * The manager's side of an activation wave, several versions of the code side by side in ONE process (prints figures;
 * not a test): each version is imported from its own checkout (a git worktree) and gets its own SQLite Inventory and
 * local secret store (files in a temp dir, as the manager opens them). A round is one wave per version over a new
 * tenant of `--hosts` hosts, each with its agent's first reports stored (presence, capability, state UNPROVISIONED:
 * not measured): the bulk call (`core.setDesired` over the tenant: every host's first AMT password, the desired
 * writes, the desired and status publications to a counting outbound), then per host what a simulated agent sends in
 * the fleet benchmark's wave — `events` desired.accepted, `state` ACTIVATING, `events` rpc.started, then `events`
 * rpc.finished, `capability` (the new control mode), `state` PROVISIONED — through the version's own dispatcher and
 * core, `--group` hosts at a time (each of the two bursts of a group is about one ingest batch). No broker and no
 * sockets: what it measures is the manager's own CPU per host (process.cpuUsage: every thread), without the broker's
 * share of the wave. Rounds rotate the order of the versions, with a full GC before each wave, so whatever else the
 * machine runs falls on all of them alike; it prints each version's CPU µs per host (bulk call and reports apart) and
 * its ratio to the first version's wave of the same round (and of its bulk call alone).
 *
 *   node --expose-gc --import tsx test/bench/wave-versions.ts [--rounds 6] [--hosts 2000] [--group 200] DIR [DIR ...]
 *   e.g. DIRs /work/wt-x-base /work/wt-x (each a checkout with node_modules)
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { EXAMPLES } from '../../schemas/contract/examples.ts'
import { loadFrom, managerModulesOf } from './checkout-modules.ts'
import type * as PasswordsModule from '../../manager/secrets/amt-password-source.ts'
import type * as SecretStoreModule from '../../manager/secrets/create-secret-store.ts'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    hosts: { type: 'string', default: '2000' },
    group: { type: 'string', default: '200' },
  },
})
const HOSTS = Number(args.hosts)
const GROUP = Number(args.group)
const ROUNDS = Number(args.rounds)
const gc = (globalThis as { gc?: () => void }).gc

interface Version {
  dir: string
  dispatch: (topic: string, payload: Uint8Array, retained: boolean) => Promise<unknown>
  /** A new tenant with its hosts, as seeded (no report yet). */
  addTenant: (tenantId: string) => Promise<void>
  setDesired: (tenantId: string) => Promise<unknown>
  close: () => Promise<void>
  boots: string[]
  seqs: number[]
  published: number
  bulkUs: number[]
  reportsUs: number[]
}

async function start(dir: string): Promise<Version> {
  const { silentLogger, core, bus, sqlite, metricsModule } = await managerModulesOf(dir)
  const secretStores = await loadFrom<typeof SecretStoreModule>(dir, 'manager/secrets/create-secret-store.ts')
  const passwordSources = await loadFrom<typeof PasswordsModule>(dir, 'manager/secrets/amt-password-source.ts')
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wave-versions-'))
  const inventory = await sqlite.openSqliteInventory({ dataDir })
  const log = silentLogger()
  const store = secretStores.createSecretStore({ kind: 'local', file: path.join(dataDir, 'secrets.db') }, { log })
  const passwords = passwordSources.createAmtPasswordSource({ store, inventory, log })
  const metrics = metricsModule.createManagerMetrics(inventory)
  const version: Version = {
    dir,
    dispatch: () => Promise.resolve(),
    addTenant: async (tenantId) => {
      await inventory.createTenant({ tenantId })
      await inventory.createHosts(Array.from({ length: HOSTS }, (_, i) => ({ tenantId, hostId: `h-${i}` })))
    },
    setDesired: () => Promise.resolve(),
    close: () => Promise.resolve(),
    boots: Array.from({ length: HOSTS }, () => randomUUID()),
    seqs: Array.from({ length: HOSTS }, () => 0),
    published: 0,
    bulkUs: [],
    reportsUs: [],
  }
  const outbound = { publish: () => void version.published++ }
  const managerCore = core.createManagerCore({
    inventory,
    outbound,
    log,
    metrics,
    secrets: passwords,
    preparer: passwords,
    options: { soleWriter: true },
  })
  version.dispatch = bus.createDispatcher({ record: managerCore.record, log, metrics })
  version.setDesired = (tenantId) => managerCore.setDesired({ filter: { tenantId } }, { state: 'PROVISIONED' }, 'bench')
  version.close = async () => {
    await managerCore.stop()
    await inventory.close()
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return version
}

type Message = { topic: string; payload: Buffer }

type Envelope = (leaf: string, body: Record<string, unknown>) => Message

/** Builds host `host`'s messages of tenant `tenantId`, its seq counting on. */
function envelopeOf(version: Version, tenantId: string, host: number): Envelope {
  const hostId = `h-${host}`
  return (leaf, body) => ({
    topic: `amt/v1/${tenantId}/${hostId}/${leaf}`,
    payload: Buffer.from(
      JSON.stringify({
        v: 1,
        ts: new Date().toISOString(),
        hostId,
        bootId: version.boots[host],
        seq: ++version.seqs[host]!,
        ...body,
      }),
    ),
  })
}

/** What an agent sends when it starts, before any desired: presence, capability, state UNPROVISIONED. */
function firstReports(envelope: Envelope): Message[] {
  return [
    envelope('presence', { online: true, agentVersion: '0.1.0' }),
    capability(envelope, 'PRE_PROVISIONING'),
    envelope('state', {
      phase: 'UNPROVISIONED',
      observedGeneration: 0,
      controlMode: 'PRE_PROVISIONING',
      remoteStatus: null,
    }),
  ]
}

/** What an agent sends in the wave: two bursts, before and after its rpc call (generation 1). */
function waveReports(envelope: Envelope): [Message[], Message[]] {
  const state = (phase: string, controlMode: string): Message =>
    envelope('state', { phase, observedGeneration: 1, controlMode, remoteStatus: null })
  const event = (kind: string, message: string): Message =>
    envelope('events', { kind, message, generation: 1, detail: { operation: 'activate' } })
  return [
    [
      event('desired.accepted', 'desired PROVISIONED generation 1 accepted'),
      state('ACTIVATING', 'PRE_PROVISIONING'),
      event('rpc.started', 'rpc activate started'),
    ],
    [event('rpc.finished', 'rpc activate finished'), capability(envelope, 'CCM'), state('PROVISIONED', 'CCM')],
  ]
}

/** The contract's example capability (without its envelope and AMT UUID: each host would share it) in `controlMode`. */
function capability(envelope: Envelope, controlMode: string): Message {
  const { v: _v, ts: _ts, hostId: _hostId, bootId: _bootId, seq: _seq, amtUuid: _uuid, ...body } = EXAMPLES.capability
  return envelope('capability', {
    ...body,
    controlMode,
    ras: { ...body.ras, remoteStatus: controlMode === 'CCM' ? 'connecting' : 'not connected' },
  })
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since)
  return used.user + used.system
}

/** Sends `bursts` (per host, its messages in order) group by group; each burst of a group is awaited. */
async function send(version: Version, hosts: ReadonlyArray<readonly Message[][]>): Promise<void> {
  for (let first = 0; first < hosts.length; first += GROUP) {
    const group = hosts.slice(first, first + GROUP)
    for (let burst = 0; burst < (group[0]?.length ?? 0); burst++) {
      const outcomes = await Promise.all(
        group.flatMap((host) => (host[burst] ?? []).map((m) => version.dispatch(m.topic, m.payload, false))),
      )
      const rejected = outcomes.find((outcome) => (outcome as { outcome?: string }).outcome !== 'accepted')
      if (rejected !== undefined)
        throw new Error(`${version.dir}: a report was not accepted: ${JSON.stringify(rejected)}`)
    }
  }
}

async function wave(version: Version, round: number, measured: boolean): Promise<void> {
  const tenantId = `bench-${round}`
  await version.addTenant(tenantId)
  version.boots = Array.from({ length: HOSTS }, () => randomUUID())
  version.seqs = Array.from({ length: HOSTS }, () => 0)
  const envelopes = Array.from({ length: HOSTS }, (_, host) => envelopeOf(version, tenantId, host))
  await send(
    version,
    envelopes.map((envelope) => [firstReports(envelope)]),
  )
  gc?.()
  const started = process.cpuUsage()
  await version.setDesired(tenantId)
  const bulkUs = cpuUs(started)
  const reportsStarted = process.cpuUsage()
  await send(version, envelopes.map(waveReports))
  const reportsUs = cpuUs(reportsStarted)
  if (!measured) return
  version.bulkUs.push(bulkUs / HOSTS)
  version.reportsUs.push(reportsUs / HOSTS)
}

const quantile = (values: readonly number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)] ?? Number.NaN
const spread = (values: readonly number[], digits: number): string =>
  `${quantile(values, 0.5).toFixed(digits)} (quartiles ${quantile(values, 0.25).toFixed(digits)}–${quantile(values, 0.75).toFixed(digits)})`

if (positionals.length === 0) throw new Error('name at least one checkout directory')
if (gc === undefined) console.log('(no --expose-gc: waves are not separated by a GC; the figures mix the versions)')
const versions: Version[] = []
for (const dir of positionals) versions.push(await start(dir))
// A warm-up wave per version: JIT, statement caches.
for (const version of versions) await wave(version, 0, false)
const ratios = versions.map((): number[] => [])
const bulkRatios = versions.map((): number[] => [])
for (let round = 1; round <= ROUNDS; round++) {
  for (let k = 0; k < versions.length; k++) await wave(versions[(k + round) % versions.length]!, round, true)
  const total = (version: Version) => version.bulkUs.at(-1)! + version.reportsUs.at(-1)!
  const first = total(versions[0]!)
  const firstBulk = versions[0]!.bulkUs.at(-1)!
  versions.forEach((version, i) => {
    ratios[i]!.push(total(version) / first)
    bulkRatios[i]!.push(version.bulkUs.at(-1)! / firstBulk)
  })
}
console.log(`${ROUNDS} waves per version, ${HOSTS} hosts, groups of ${GROUP}; manager CPU µs per host:`)
versions.forEach((version, i) => {
  const totals = version.bulkUs.map((bulk, k) => bulk + version.reportsUs[k]!)
  console.log(
    `${version.dir}: ${spread(totals, 1)} µs (bulk call ${spread(version.bulkUs, 1)}, reports ${spread(version.reportsUs, 1)}); ` +
      `ratio to the first, paired by round: ${spread(ratios[i]!, 3)} (bulk call ${spread(bulkRatios[i]!, 3)}); ` +
      `publications ${version.published}`,
  )
})
for (const version of versions) await version.close()

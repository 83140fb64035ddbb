/**
 * Ingest benchmark: `state` messages per second correlated and persisted by the manager.
 * Main thread: our broker (in process) + the manager (bus, core, SQLite Inventory in a temp dir, WAL).
 * Child process: the publishers (mqtt.js), standing in for the fleet's agents.
 * Then: a bulk setDesired over every host (Inventory write + desired publication).
 *
 *   npx tsx test/bench/ingest.ts [--hosts 2000] [--messages 100000] [--publishers 8] [--window 200] [--memory] [--steady]
 *
 * By default every report flips the phase (ACTIVATING / PROVISIONED), so every message changes the host and its
 * published status (the worst case); --steady repeats PROVISIONED (stored, but the view does not change).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../../lib/log.ts'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker } from '../../broker/create-broker.ts'
import { attachCore } from '../../manager/bus/attach.ts'
import { createManagerBus } from '../../manager/bus/mqtt-bus.ts'
import { createManagerCore } from '../../manager/domain/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../manager/metrics.ts'
import type { PublisherJob } from './ingest-publishers.ts'

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '100000' },
    publishers: { type: 'string', default: '8' },
    window: { type: 'string', default: '200' },
    memory: { type: 'boolean', default: false },
    steady: { type: 'boolean', default: false },
  },
})
const HOSTS = Number(args.hosts)
const MESSAGES_PER_HOST = Math.max(1, Math.round(Number(args.messages) / HOSTS))
const TENANT = 'bench'
const log = silentLogger()

const dataDir = args.memory ? IN_MEMORY : await mkdtemp(path.join(tmpdir(), 'amt-ingest-bench-'))
const parsed = parseBrokerConfig({ listeners: { tcp: { host: '127.0.0.1', port: 0 } }, limits: { connectRateLimit: { max: 1_000_000, windowMs: 1000 } }, logLevel: 'silent' })
if (!parsed.ok) throw new Error(parsed.problems.join('; '))
const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
const password = randomBytes(12).toString('base64url')
await credentials.add({ username: 'bench-manager', password, role: 'manager' })
await credentials.add({ username: 'bench-fleet', password, role: 'manager' })
const broker = await createBroker(parsed.config, { log, credentials })
const url = `mqtt://127.0.0.1:${broker.tcpPort ?? 0}`

const inventory = await openSqliteInventory({ dataDir })
await inventory.createTenant({ tenantId: TENANT })
const hostIds = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(6, '0')}`)
await inventory.createHosts(hostIds.map((hostId) => ({ tenantId: TENANT, hostId })))

const metrics = createManagerMetrics(inventory)
const bus = createManagerBus({ url, username: 'bench-manager', password, log })
const core = createManagerCore({ inventory, outbound: bus, log, metrics })
const ready = new Promise<void>((resolve) => attachCore(bus, core, log, { afterSweep: resolve }))
await ready

const handled = async (): Promise<number> =>
  (await metrics.ingestBatchSize.get()).values.find((v) => v.metricName === 'amt_manager_ingest_batch_size_sum')?.value ?? 0
const batches = async (): Promise<number> =>
  (await metrics.ingestBatchSize.get()).values.find((v) => v.metricName === 'amt_manager_ingest_batch_size_count')?.value ?? 0

const total = HOSTS * MESSAGES_PER_HOST
const job: PublisherJob = {
  url,
  username: 'bench-fleet',
  password,
  tenantId: TENANT,
  hostIds,
  publishers: Number(args.publishers),
  messagesPerHost: MESSAGES_PER_HOST,
  window: Number(args.window),
  steady: args.steady,
}
const cpuBefore = process.cpuUsage()
const started = performance.now()
const fleet = fork(fileURLToPath(new URL('./ingest-publishers.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
const published = new Promise<number>((resolve, reject) => {
  fleet.once('message', (message: { sent: number }) => resolve(message.sent))
  fleet.once('error', reject)
  fleet.once('exit', (code) => reject(new Error(`publishers exited with ${code}`)))
})
fleet.send(job)
const sent = await published
while ((await handled()) < total) await new Promise((resolve) => setTimeout(resolve, 5))
await core.idle()
const elapsedMs = performance.now() - started
const cpu = process.cpuUsage(cpuBefore)

const sample = await inventory.getHost({ tenantId: TENANT, hostId: hostIds[0] ?? '' })
const ingest = {
  hosts: HOSTS,
  messages: sent,
  elapsedMs: Math.round(elapsedMs),
  perSecond: Math.round((sent / elapsedMs) * 1000),
  transactions: await batches(),
  avgBatch: Math.round(sent / Math.max(1, await batches())),
  managerThreadCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100),
  lastSeqOfFirstHost: sample.lastSeq.state,
  storage: args.memory ? 'sqlite in memory' : 'sqlite file (WAL)',
}
console.log(JSON.stringify({ ingest }))

const desiredStart = performance.now()
const desired = await core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'bench')
console.log(JSON.stringify({ bulkSetDesired: { hosts: desired.length, elapsedMs: Math.round(performance.now() - desiredStart) } }))

const drainStart = performance.now()
await bus.close()
console.log(JSON.stringify({ outboundDrainMs: Math.round(performance.now() - drainStart) }))
await core.stop()
await broker.close()
await inventory.close()
if (dataDir !== IN_MEMORY) await rm(dataDir, { recursive: true, force: true })

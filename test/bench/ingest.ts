/**
 * Ingest benchmark (prints figures; not a test): `state` messages per second correlated and persisted by the
 * manager, next to the raw broker QoS 1 rate measured in the same run.
 * Main thread: our broker + the manager (bus, core, SQLite Inventory in a temp dir, WAL) — and, for the raw rate,
 * a second broker of the same build whose only subscriber counts. Child process: the publishers (mqtt.js, one
 * QoS 1 window each), standing in for the fleet's agents. Rounds alternate raw / manager per mode; medians.
 * Then: a bulk setDesired over every host (Inventory write + desired publication).
 *
 *   npx tsx test/bench/ingest.ts [--hosts 2000] [--messages 100000] [--publishers 8] [--window 200]
 *                                [--mode worst,steady] [--runs 3] [--memory] [--steady] [--time-limit 600] [--bus embedded|mqtt]
 *
 * worst: every report flips the phase (ACTIVATING / PROVISIONED), so every message changes the host and its
 * published status. steady: the same phase every time (stored, but the view does not change). --steady = --mode steady.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { silentLogger } from '../../lib/log.ts'
import { attachCore } from '../../manager/bus/attach.ts'
import { createEmbeddedBus } from '../../manager/bus/embedded-bus.ts'
import { createManagerBus } from '../../manager/bus/mqtt-bus.ts'
import { createManagerCore } from '../../manager/core/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../manager/metrics/metrics.ts'
import { fixed, hardTimeLimit, median, printFooter, printHeader } from './fleet-env.ts'
import { rawRun, runPublishers, startBenchBroker, type RawRun } from './ingest-run.ts'

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '100000' },
    publishers: { type: 'string', default: '8' },
    window: { type: 'string', default: '200' },
    mode: { type: 'string', default: 'worst,steady' },
    runs: { type: 'string', default: '3' },
    memory: { type: 'boolean', default: false },
    steady: { type: 'boolean', default: false },
    'time-limit': { type: 'string', default: '600' },
    bus: { type: 'string', default: 'embedded' },
  },
})
const HOSTS = Number(args.hosts)
const MESSAGES_PER_HOST = Math.max(1, Math.round(Number(args.messages) / HOSTS))
const RUNS = Number(args.runs)
const MODES = (args.steady ? ['steady'] : args.mode.split(',')).filter((mode) => mode === 'worst' || mode === 'steady')
const TENANT = 'bench'
const log = silentLogger()
const startedAt = Date.now()

await printHeader(
  'ingest benchmark: state messages correlated and persisted by the manager vs the raw broker QoS 1 rate',
)
console.log(
  `setup: ${HOSTS} hosts, ${MESSAGES_PER_HOST * HOSTS} messages per run (${MESSAGES_PER_HOST} per host, round-robin over hosts), ${args.publishers} publisher connections ` +
    `with ≤ ${args.window} unacknowledged each (child process); ${RUNS} rounds per mode; Inventory: ${args.memory ? 'SQLite in memory' : 'SQLite file (WAL)'}; ` +
    `manager bus: ${args.bus === 'mqtt' ? 'MQTT connection over loopback' : 'in process (embedded broker)'}`,
)

const dataDir = args.memory ? IN_MEMORY : await mkdtemp(path.join(tmpdir(), 'amt-ingest-bench-'))
const managed = await startBenchBroker()
const raw = await startBenchBroker()
const inventory = await openSqliteInventory({ dataDir })
const cleanup = async (): Promise<void> => {
  await Promise.all([managed.broker.close(), raw.broker.close()])
  await inventory.close()
  if (dataDir !== IN_MEMORY) await rm(dataDir, { recursive: true, force: true })
}
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, cleanup)

await inventory.createTenant({ tenantId: TENANT })
const hostIds = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(6, '0')}`)
await inventory.createHosts(hostIds.map((hostId) => ({ tenantId: TENANT, hostId })))
const metrics = createManagerMetrics(inventory)
// As `amt-manager serve` with its embedded broker: in process (embedded-bus.ts); --bus mqtt: over a loopback MQTT connection.
const bus =
  args.bus === 'mqtt'
    ? createManagerBus({ url: managed.url, username: 'bench-manager', password: managed.password, log })
    : createEmbeddedBus(managed.broker.aedes, { log })
const core = createManagerCore({ inventory, outbound: bus, log, metrics })
await new Promise<void>((resolve) => attachCore(bus, core, { log, metrics, afterSweep: resolve }))

const histogram = async (suffix: 'sum' | 'count'): Promise<number> =>
  (await metrics.ingestBatchSize.get()).values.find((v) => v.metricName === `amt_manager_ingest_batch_size_${suffix}`)
    ?.value ?? 0

interface IngestRun extends RawRun {
  avgBatch: number
  managerThreadCpuPct: number
}

/** The publishers against the manager's broker; timed until the manager has handled (stored) every message. */
async function ingestRun(steady: boolean): Promise<IngestRun> {
  const [handledBefore, batchesBefore] = [await histogram('sum'), await histogram('count')]
  const total = HOSTS * MESSAGES_PER_HOST
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const sent = await runPublishers({
    ...job(steady),
    url: managed.url,
    username: 'bench-fleet',
    password: managed.password,
  })
  while ((await histogram('sum')) - handledBefore < total) await new Promise((resolve) => setTimeout(resolve, 5))
  await core.idle()
  const elapsedMs = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const batches = (await histogram('count')) - batchesBefore
  return {
    messages: sent,
    elapsedMs,
    perSecond: (sent / elapsedMs) * 1000,
    avgBatch: sent / Math.max(1, batches),
    managerThreadCpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
  }
}

const job = (steady: boolean) => ({
  tenantId: TENANT,
  hostIds,
  publishers: Number(args.publishers),
  messagesPerHost: MESSAGES_PER_HOST,
  window: Number(args.window),
  steady,
})

const rows: string[] = []
for (const mode of MODES) {
  const steady = mode === 'steady'
  const raws: RawRun[] = []
  const ingests: IngestRun[] = []
  for (let round = 1; round <= RUNS; round++) {
    raws.push(await rawRun(raw, job(steady)))
    ingests.push(await ingestRun(steady))
    const [r, i] = [raws.at(-1), ingests.at(-1)]
    console.log(
      `${mode} round ${round}: raw ${fixed(r?.perSecond, 0)} msg/s, manager ${fixed(i?.perSecond, 0)} msg/s (batch ${fixed(i?.avgBatch, 0)}, main thread CPU ${fixed(i?.managerThreadCpuPct, 0)} %)`,
    )
  }
  const rawRate = median(raws.map((r) => r.perSecond))
  const ingestRate = median(ingests.map((r) => r.perSecond))
  const range = (runs: readonly RawRun[]) =>
    `${fixed(Math.min(...runs.map((r) => r.perSecond)), 0)}–${fixed(Math.max(...runs.map((r) => r.perSecond)), 0)}`
  rows.push(
    `| ${mode} | ${fixed(rawRate, 0)} (${range(raws)}) | ${fixed(ingestRate, 0)} (${range(ingests)}) | ${fixed(ingestRate / rawRate, 2)} | ${fixed(median(ingests.map((r) => r.avgBatch)), 0)} |`,
  )
}
disarm()

console.log(`\n## Figures (median of ${RUNS} rounds; min–max)\n`)
console.log('| mode | raw broker QoS 1 msg/s | correlated + persisted msg/s | ratio | avg batch |')
console.log('|---|---:|---:|---:|---:|')
for (const row of rows) console.log(row)

const sample = await inventory.getHost({ tenantId: TENANT, hostId: hostIds[0] ?? '' })
console.log(
  `\ncheck: first host stored with state seq ${sample.lastSeq.state ?? '-'} (the last one sent: ${MESSAGES_PER_HOST - 1})`,
)
const desiredStart = performance.now()
const desired = await core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'bench')
console.log(
  `bulk setDesired: ${desired.length} hosts in ${Math.round(performance.now() - desiredStart)} ms (Inventory write + desired/status queued for publication)`,
)
await bus.close()
await core.stop()
await cleanup()
printFooter(startedAt)

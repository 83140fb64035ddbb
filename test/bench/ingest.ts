/**
 * Ingest benchmark (prints figures; not a test): `state` messages per second correlated and persisted by the
 * manager, next to the raw broker QoS 1 rate measured in the same run.
 * Main thread: our broker + the manager (bus, core, Inventory: SQLite in a temp dir, WAL, or PostgreSQL) — and, for the raw rate,
 * a second broker of the same build whose only subscriber counts. Child process: the publishers (mqtt.js, one
 * QoS 1 window each), standing in for the fleet's agents. Rounds alternate raw / manager per mode; medians.
 * Then: a bulk setDesired over every host (Inventory write + desired publication).
 * Engines (--engine, default both when PostgreSQL's binaries are installed): the same rounds against a SQLite file
 * and a PostgreSQL database (a private server, fsync ON; ingest-engine.ts), interleaved; and --replicas N (default
 * 2; 1 = none) manager replicas on another database of that server, each handling its share of the hosts: the
 * manager process's CPU per message, the server's, and the version conflicts, next to one replica.
 *
 *   npx tsx test/bench/ingest.ts [--hosts 2000] [--messages 100000] [--publishers 8] [--window 200]
 *                                [--mode worst,steady] [--runs 3] [--memory] [--steady] [--time-limit 600] [--bus embedded|mqtt]
 *                                [--engine sqlite,postgres] [--replicas 2]
 *
 * worst: every report flips the phase (ACTIVATING / PROVISIONED), so every message changes the host and its
 * published status. steady: the same phase every time (stored, but the view does not change). --steady = --mode steady.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { fixed, hardTimeLimit, median, printFooter, printHeader } from './fleet-env.ts'
import { openEngine, postgresInstalled, type BenchEngine, type EngineName } from './ingest-engine.ts'
import { startBenchManager, type BenchManager } from './ingest-manager.ts'
import { GOALS, goalLine } from './goals.ts'
import { ingestRun, type IngestRun } from './ingest-measure.ts'
import { rawRun, startBenchBroker, type RawRun } from './ingest-run.ts'

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
    engine: { type: 'string' },
    replicas: { type: 'string', default: '2' },
  },
})
const HOSTS = Number(args.hosts)
const MESSAGES_PER_HOST = Math.max(1, Math.round(Number(args.messages) / HOSTS))
const RUNS = Number(args.runs)
const MODES = (args.steady ? ['steady'] : args.mode.split(',')).filter((mode) => mode === 'worst' || mode === 'steady')
const REPLICAS = Math.max(1, Number(args.replicas))
const TENANT = 'bench'
const BUS = args.bus === 'mqtt' ? 'mqtt' : 'embedded'
const startedAt = Date.now()

await printHeader(
  'ingest benchmark: state messages correlated and persisted by the manager vs the raw broker QoS 1 rate',
)
const havePostgres = await postgresInstalled()
const ENGINES = (args.engine ?? (havePostgres ? 'sqlite,postgres' : 'sqlite'))
  .split(',')
  .filter((name): name is EngineName => name === 'sqlite' || name === 'postgres')
if (args.engine === undefined && !havePostgres)
  console.log('PostgreSQL server binaries NOT found (/usr/lib/postgresql/*/bin, PG_BINDIR): SQLite only')
console.log(
  `setup: ${HOSTS} hosts, ${MESSAGES_PER_HOST * HOSTS} messages per run (${MESSAGES_PER_HOST} per host, round-robin over hosts), ${args.publishers} publisher connections ` +
    `with ≤ ${args.window} unacknowledged each (child process); ${RUNS} rounds per mode; ` +
    `manager bus: ${BUS === 'mqtt' ? 'MQTT connection over loopback' : 'in process (embedded broker)'}`,
)

/** One configuration measured in every round: an engine with one replica, or with several on one database. */
interface Setup {
  label: string
  engine: BenchEngine
  managers: BenchManager[]
}
const engines: BenchEngine[] = []
const setups: Setup[] = []
const raw = await startBenchBroker()
const cleanup = async (): Promise<void> => {
  for (const setup of setups) for (const manager of setup.managers) await manager.close()
  await raw.broker.close()
  for (const engine of engines) await engine.close()
}
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, cleanup)
const hostIds = Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(6, '0')}`)

async function setUp(label: string, engine: BenchEngine, store: string, replicas: number): Promise<void> {
  const managers: BenchManager[] = []
  for (let i = 0; i < replicas; i++) {
    const inventory = await engine.connect(store)
    if (i === 0) {
      await inventory.createTenant({ tenantId: TENANT })
      await inventory.createHosts(hostIds.map((hostId) => ({ tenantId: TENANT, hostId })))
    }
    managers.push(await startBenchManager(inventory, BUS))
  }
  setups.push({ label, engine, managers })
}
for (const name of ENGINES) {
  const engine = await openEngine(name, { memory: args.memory })
  engines.push(engine)
  console.log(`Inventory ${name}: ${engine.label}`)
  await setUp(name, engine, 'one', 1)
  if (name === 'postgres' && REPLICAS > 1) await setUp(`postgres ×${REPLICAS}`, engine, 'replicas', REPLICAS)
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
const rates = new Map<string, number>()
/** Per mode and setup: its median rate / the raw broker's median rate (same rounds). */
const ratios = new Map<string, number>()
const range = (runs: readonly RawRun[]) =>
  `${fixed(Math.min(...runs.map((r) => r.perSecond)), 0)}–${fixed(Math.max(...runs.map((r) => r.perSecond)), 0)}`
for (const mode of MODES) {
  const steady = mode === 'steady'
  const raws: RawRun[] = []
  const ingests = new Map<Setup, IngestRun[]>(setups.map((setup) => [setup, []]))
  for (let round = 1; round <= RUNS; round++) {
    const r = await rawRun(raw, job(steady))
    raws.push(r)
    const parts = [`raw ${fixed(r.perSecond, 0)} msg/s`]
    for (const setup of setups) {
      const i = await ingestRun(setup.managers, setup.engine, job(steady))
      ingests.get(setup)?.push(i)
      parts.push(
        `${setup.label} ${fixed(i.perSecond, 0)} msg/s (batch ${fixed(i.avgBatch, 0)}, process CPU ${fixed(i.managerCpuPct, 0)} % = ` +
          `${fixed(i.managerCpuUs, 1)} µs/msg${i.databaseCpuUs === undefined ? '' : `, server ${fixed(i.databaseCpuUs, 1)} µs/msg`}` +
          `${setup.managers.length > 1 ? `, conflicts ${i.conflicts}` : ''})`,
      )
    }
    console.log(`${mode} round ${round}: ${parts.join(', ')}`)
  }
  const rawRate = median(raws.map((r) => r.perSecond))
  for (const setup of setups) {
    const runs = ingests.get(setup) ?? []
    const rate = median(runs.map((r) => r.perSecond))
    rates.set(`${mode}/${setup.label}`, rate)
    ratios.set(`${mode}/${setup.label}`, rate / rawRate)
    const database = runs.map((r) => r.databaseCpuUs).filter((us) => us !== undefined)
    rows.push(
      `| ${mode} | ${setup.label} | ${fixed(rawRate, 0)} (${range(raws)}) | ${fixed(rate, 0)} (${range(runs)}) | ` +
        `${fixed(rate / rawRate, 2)} | ${fixed(median(runs.map((r) => r.avgBatch)), 0)} | ` +
        `${fixed(median(runs.map((r) => r.managerCpuUs)), 1)} | ${database.length ? fixed(median(database), 1) : '–'} | ` +
        `${setup.managers.length > 1 ? runs.map((r) => r.conflicts).join('/') : '–'} |`,
    )
  }
}
disarm()

console.log(`\n## Figures (median of ${RUNS} rounds; min–max)\n`)
console.log(
  '| mode | Inventory | raw broker QoS 1 msg/s | correlated + persisted msg/s | ratio | avg batch | ' +
    'manager process CPU µs/msg | DB server CPU µs/msg | version conflicts per round |',
)
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|')
for (const row of rows) console.log(row)
for (const mode of MODES) {
  const sqlite = ratios.get(`${mode}/sqlite`)
  if (sqlite !== undefined) console.log(goalLine(mode === 'worst' ? GOALS.ingestWorst : GOALS.ingestSteady, sqlite))
}
for (const mode of MODES) {
  const [sqlite, postgres, replicas] = ['sqlite', 'postgres', `postgres ×${REPLICAS}`].map((l) =>
    rates.get(`${mode}/${l}`),
  )
  if (sqlite !== undefined && postgres !== undefined)
    console.log(`${mode}: postgres / sqlite = ${fixed(postgres / sqlite, 2)} (msg/s, same run)`)
  if (postgres !== undefined && replicas !== undefined)
    console.log(`${mode}: postgres ×${REPLICAS} / ×1 = ${fixed(replicas / postgres, 2)} (aggregate msg/s, same run)`)
}

console.log('')
for (const setup of setups) {
  const [first] = setup.managers
  if (first === undefined) continue
  const sample = await first.inventory.getHost({ tenantId: TENANT, hostId: hostIds[0] ?? '' })
  const desiredStart = performance.now()
  const desired = await first.core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'bench')
  console.log(
    `${setup.label}: check: first host stored with state seq ${sample.lastSeq.state ?? '-'} (the last one sent: ${MESSAGES_PER_HOST - 1}); ` +
      `bulk setDesired: ${desired.length} hosts in ${Math.round(performance.now() - desiredStart)} ms (Inventory write + desired/status queued for publication)`,
  )
}
await cleanup()
printFooter(startedAt)

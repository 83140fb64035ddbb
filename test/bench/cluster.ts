/**
 * Cluster benchmark (prints figures; not a test; issue 17): the fleet benchmark's connect and activation wave against
 * manager replicas as real processes. Configurations, in this order, in one run: sqlite×1 (one `amt-manager serve`
 * on SQLite, its plain embedded broker: the baseline), then postgres×1, ×2, ×3: N `amt-manager serve` on one
 * PostgreSQL database (a private server, fsync ON) with their embedded brokers clustered on one Redis — a fresh
 * database, Redis and fleet per configuration. The simulated fleet (createFleet, this process) connects round-robin
 * to the replicas' brokers. Per configuration: connect + first report, the wave (bulk through replica 1, watched
 * through the last), CPU per message of each process, desired → agent latency; then ratios against sqlite×1.
 *
 *   npx tsx test/bench/cluster.ts [--hosts 10000] [--configs sqlite1,postgres1,postgres2,postgres3] [--ramp 400]
 *                                 [--samples 200] [--device-hash digest|scrypt:10] [--log-level info] [--time-limit 3600]
 */
import { parseArgs } from 'node:util'
import { startPostgres, type RunningPostgres } from '../helpers/postgres-server.ts'
import { live, runConfiguration, stopConfiguration, type Configuration } from './cluster-cycle.ts'
import { printClusterFigures } from './cluster-report.ts'
import { describeHash, parseDeviceHash } from './fleet-seed.ts'
import { hardTimeLimit, loadAverage, printFooter, printHeader } from './fleet-env.ts'

const CONFIGURATIONS: readonly Configuration[] = [
  { label: 'sqlite×1', engine: 'sqlite', replicas: 1 },
  { label: 'postgres×1', engine: 'postgres', replicas: 1 },
  { label: 'postgres×2', engine: 'postgres', replicas: 2 },
  { label: 'postgres×3', engine: 'postgres', replicas: 3 },
]

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    configs: { type: 'string', default: 'sqlite1,postgres1,postgres2,postgres3' },
    ramp: { type: 'string', default: '400' },
    samples: { type: 'string', default: '200' },
    'device-hash': { type: 'string', default: 'digest' },
    'log-level': { type: 'string', default: 'info' },
    'time-limit': { type: 'string', default: '3600' },
  },
})
const wanted = new Set(args.configs.split(','))
const configurations = CONFIGURATIONS.filter((c) => wanted.has(`${c.engine}${c.replicas}`))
const hosts = Number(args.hosts)
const startedAt = Date.now()

await printHeader('cluster benchmark: manager replicas as processes, PostgreSQL, embedded brokers clustered on Redis')
console.log(
  `setup: ${hosts} simulated devices (4/5 AMT, 1/5 ISM, zero-latency rpc) in this process, round-robin over the ` +
    `replicas' brokers, ramp ${args.ramp} agents/s in all; device hashes ${describeHash(parseDeviceHash(args['device-hash']))}; manager log ` +
    `level ${args['log-level']} (to a file); PostgreSQL 15 private server on a unix socket, fsync + synchronous_commit ` +
    `ON; one private redis-server per configuration; lease, pool and timeouts as shipped; configurations: ` +
    configurations.map((c) => c.label).join(', '),
)
let postgres: RunningPostgres | undefined
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, async () => {
  if (live.running) await stopConfiguration(live.running)
  await postgres?.stop()
})
if (configurations.some((c) => c.engine === 'postgres')) postgres = await startPostgres({ durable: true })

const results = []
try {
  for (const configuration of configurations) {
    console.log(`\n${configuration.label}: ${hosts} devices (load average ${loadAverage()})`)
    results.push(
      await runConfiguration({
        configuration,
        postgres,
        hosts,
        tenantId: 'bench',
        hashScheme: parseDeviceHash(args['device-hash']),
        logLevel: args['log-level'],
        rampPerSecond: Number(args.ramp),
        latencySamples: Number(args.samples),
        log: (line) => console.log(line),
      }),
    )
  }
} finally {
  await postgres?.stop()
}
disarm()
printClusterFigures(results)
printFooter(startedAt)

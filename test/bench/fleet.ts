/**
 * Fleet benchmark (prints figures; not a test). The manager with its embedded broker runs as ONE child process
 * (`node bin/amt-manager.js serve --config <temp>`, SQLite in a temp dir); the simulated fleet (createFleet: real
 * agent code, simulated AMT with zero-latency rpc) runs in THIS process; all on loopback. Per fleet size and run:
 * ramp the fleet up, then
 *   memory  — the manager's RSS with every device connected and idle;
 *   latency — PATCH one host at a time (desired UNPROVISIONED, the state it is in); the desired's `ts` (manager, at
 *             publication) → receipt at the agent;
 *   wave    — POST …/amt/bulk PROVISIONED for every host → every host PROVISIONED in Inventory;
 *   storm   — SIGTERM + restart of the manager (= the broker) → every desired re-delivered, every device republished.
 * --brokers K: the manager on an external broker instead, K `amt-broker serve` clustered on one Redis
 * (fleet-broker-cluster.ts); the storm restarts every broker, the manager stays; --manager-broker: one more instance
 * that carries the manager alone. --sim-processes S: the fleet in S
 * child processes (fleet-sim-processes.ts). One process holds at most RLIMIT_NOFILE sockets: keep every broker and
 * simulator under it (docs/benchmarks.md, "100,000 nodes").
 *
 *   npx tsx test/bench/fleet.ts [--sizes 1000,10000] [--runs 1] [--only wave,latency] [--ramp 400] [--samples 300]
 *                               [--device-hash digest|scrypt:10] [--log-level info] [--sim-log-level error]
 *                               [--time-limit 2400] [--brokers 0] [--sim-processes 0]
 *                               [--manager-node-options ""] [--broker-node-options ""] [--manager-broker]
 */
import { parseArgs } from 'node:util'
import { describeHash, parseDeviceHash } from './fleet-seed.ts'
import { fixed, hardTimeLimit, loadAverage, median, printFooter, printHeader } from './fleet-env.ts'
import { live, perNodeKB, runCycle, SCENARIOS, stopAll, type CycleResult, type Scenario } from './fleet-cycle.ts'
import { brokerClusterTopology } from './fleet-broker-cluster.ts'
import { openFilesLimit, printMemoryTable } from './fleet-memory.ts'
import { GOALS, goalLine } from './goals.ts'

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string', default: SCENARIOS.join(',') },
    ramp: { type: 'string', default: '400' },
    samples: { type: 'string', default: '300' },
    'idle-seconds': { type: 'string', default: '30' },
    'device-hash': { type: 'string', default: 'digest' },
    'log-level': { type: 'string', default: 'info' },
    /** The simulated agents' log level (stderr): warn shows their connection trouble. */
    'sim-log-level': { type: 'string', default: 'error' },
    'time-limit': { type: 'string', default: '2400' },
    /** Extra node options for the manager process, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
    'manager-node-options': { type: 'string', default: '' },
    /** Extra node options for each amt-broker instance of --brokers K (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
    'broker-node-options': { type: 'string', default: '' },
    /** amt-broker instances on one Redis, the manager on the first (broker.external); 0: the embedded broker. */
    brokers: { type: 'string', default: '0' },
    /** With --brokers K: one more instance for the manager alone (the devices on the K others). */
    'manager-broker': { type: 'boolean', default: false },
    /** Child processes the simulated fleet runs in; 0: this process. */
    'sim-processes': { type: 'string', default: '0' },
  },
})
const sizes = args.sizes.split(',').map(Number)
const runs = Number(args.runs)
const scenarios = new Set(
  args.only.split(',').filter((name): name is Scenario => (SCENARIOS as readonly string[]).includes(name)),
)
const brokers = Number(args.brokers)
const simProcesses = Number(args['sim-processes'])
const hashScheme = parseDeviceHash(args['device-hash'])
const startedAt = Date.now()
const splitOptions = (text: string): string[] => text.split(' ').filter((option) => option !== '')

await printHeader(
  `fleet benchmark: manager + ${brokers > 0 ? `${brokers} amt-broker instances on one Redis${args['manager-broker'] ? ' (+1 for the manager alone)' : ''}` : 'embedded broker in one process'}, ` +
    `simulated fleet in ${simProcesses > 0 ? `${simProcesses} processes` : 'another'}, loopback`,
)
console.log(
  `setup: scenarios ${[...scenarios].join(', ')}; ${runs} run(s) per size; ramp ${args.ramp} agents/s; device hashes ${describeHash(hashScheme)}; ` +
    `manager log level ${args['log-level']} (to a file); 4/5 AMT + 1/5 ISM hosts, zero-latency rpc; open files per process ${openFilesLimit()}`,
)
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, () => stopAll(live.running ?? {}))

const results = new Map<number, CycleResult[]>()
for (const hosts of sizes) {
  for (let run = 1; run <= runs; run++) {
    console.log(`\n${hosts} devices, run ${run}/${runs} (load average ${loadAverage()})`)
    const result = await runCycle({
      hosts,
      tenantId: 'bench',
      hashScheme,
      ...(brokers > 0
        ? {
            topology: await brokerClusterTopology(brokers, hashScheme, {
              nodeOptions: splitOptions(args['broker-node-options']),
              managerOnly: args['manager-broker'],
            }),
          }
        : {}),
      simProcesses,
      simLogLevel: args['sim-log-level'],
      logLevel: args['log-level'],
      nodeOptions: splitOptions(args['manager-node-options']),
      rampPerSecond: Number(args.ramp),
      scenarios,
      latencySamples: Number(args.samples),
      idleMs: Number(args['idle-seconds']) * 1000,
      log: (line) => console.log(line),
    })
    results.set(hosts, [...(results.get(hosts) ?? []), result])
  }
}
disarm()

/** Median over the runs of one figure (undefined when no run measured it). */
const med = (list: readonly CycleResult[], pick: (result: CycleResult) => number | undefined): number | undefined => {
  const values = list.map(pick).filter((value): value is number => value !== undefined)
  return values.length === 0 ? undefined : median(values)
}
const s = (ms: number | undefined): string => fixed(ms === undefined ? undefined : ms / 1000, 2)

console.log(`\n## Figures (median of ${runs} run(s) per size)\n`)
console.log(
  '| devices | connect s | RSS idle MiB | wave: API ms | desired at all s | all PROVISIONED s | activations/s | lost | latency p50/p99/max ms | API→agent p50/p99 ms | storm: ready s | desired s (goal at 10k ≤ 10 s) | republished s | lost (goal 0) | RSS after MiB |',
)
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|')
for (const [hosts, list] of results) {
  const latency = (pick: (l: NonNullable<CycleResult['latency']>) => number) =>
    fixed(
      med(list, (r) => (r.latency ? pick(r.latency) : undefined)),
      0,
    )
  console.log(
    `| ${hosts} | ${s(med(list, (r) => r.connectMs))} | ${fixed(
      med(list, (r) => r.idleMemory?.rssMiB),
      0,
    )} | ${fixed(
      med(list, (r) => r.wave?.apiMs),
      0,
    )} | ` +
      `${s(med(list, (r) => r.wave?.deliveredMs))} | ${s(med(list, (r) => r.wave?.inventoryDoneMs))} | ${fixed(
        med(list, (r) => r.wave?.perSecond),
        0,
      )} | ${fixed(
        med(list, (r) => r.wave?.lost),
        0,
      )} | ` +
      `${latency((l) => l.p50)}/${latency((l) => l.p99)}/${latency((l) => l.max)} | ${latency((l) => l.apiP50)}/${latency((l) => l.apiP99)} | ` +
      `${s(med(list, (r) => r.storm?.readyMs))} | ${s(med(list, (r) => r.storm?.desiredMs))} | ${s(med(list, (r) => r.storm?.republishedMs))} | ${fixed(
        med(list, (r) => r.storm?.lost),
        0,
      )} | ` +
      `${fixed(
        med(list, (r) => r.storm?.memory?.rssMiB),
        0,
      )} |`,
  )
}
for (const [hosts, list] of results) {
  const waveMs = med(list, (r) => r.wave?.inventoryDoneMs)
  if (hosts === 10_000 && waveMs !== undefined) console.log(goalLine(GOALS.wave10k, waveMs / 1000))
  const base = med(list, (r) => r.baseMemory?.rssMiB)
  const perNode = med(list, perNodeKB)
  if (perNode === undefined || base === undefined) continue
  const runs = list.map(perNodeKB).filter((value) => value !== undefined)
  console.log(
    `memory at ${hosts}: base ${fixed(base, 0)} MiB (hosts in Inventory, none connected), idle ${fixed(
      med(list, (r) => r.idleMemory?.rssMiB),
      0,
    )} MiB; ` + `per node over the base ${runs.map((value) => value.toFixed(1)).join(', ')} kB`,
  )
  if (hosts === 10_000) console.log(goalLine(GOALS.memoryPerNode, perNode, 1))
}
printMemoryTable(results)
printFooter(startedAt)

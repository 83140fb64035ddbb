/**
 * Broker benchmark: QoS 1 round-trip latency and QoS 1 throughput (1 publisher → 1 subscriber, 64-byte
 * payloads) against our broker, bare aedes (with and without Nagle) and Debian's mosquitto (as shipped, and
 * with set_tcp_nodelay). Every broker runs in its own process; the load generator (load.ts, mqtt.js) is the
 * same for all. All brokers are started first, then measured in interleaved rounds (rotating order) so that
 * noise on a shared machine spreads over all of them. Run: npm run bench:broker   (results: docs/benchmarks.md)
 *   npx tsx test/bench/broker.ts [--rounds 5] [--targets ours,aedes,aedes-nagle,mosquitto,mosquitto-nodelay]
 *                                [--time-limit 115] [--broker-node-options "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 * Prints ours ÷ each other broker and the goals of issue 19 (ours ≤ 1.0 × mosquitto in RTT p50 and CPU per message).
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createLogger } from '../../lib/log.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { BENCH_MANAGER } from './bench-principal.ts'
import { connectClients, measureRoundTrip, measureThroughput, type Clients } from './load.ts'
import { GOALS, goalLine, type Goal } from './goals.ts'
import { describeMachine, processCpuMs } from './machine.ts'
import { startMosquitto, type RunningProcessBroker } from './mosquitto.ts'
import { startNodeBroker } from './node-broker.ts'
import { ratios, summarize, table, type Summary, type TargetResults } from './report.ts'
import { runBench } from './run-bench.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    targets: { type: 'string', default: 'ours,aedes,aedes-nagle,mosquitto,mosquitto-nodelay' },
    /** Seconds; past it the run aborts (exit 1): it must never hang CI or a terminal. */
    'time-limit': { type: 'string', default: '115' },
    /** Extra node options for the node brokers, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
    'broker-node-options': { type: 'string', default: '' },
  },
})
const nodeOptions = args['broker-node-options'].split(' ').filter((option) => option !== '')
const ROUNDS = Number(args.rounds)
const ROUND_TRIP = { warmup: 200, warmupCapMs: 1_000, samples: 400, capMs: 2_000 }
const THROUGHPUT = { warmupMessages: 2_000, messages: 30_000, window: 100, capMs: 10_000 }
const OVERALL_DEADLINE_MS = Number(args['time-limit']) * 1000
const TOPICS = {
  pair: buildTopic({ tenantId: 'bench', hostId: 'bench-host', leaf: 'events' }),
  self: buildTopic({ tenantId: 'bench', hostId: 'bench-host', leaf: 'state' }),
}

const log = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) })

interface Target {
  /** What --targets names it. */
  key: string
  name: string
  /** Our broker needs a principal; the others run anonymous. */
  start(password: string): Promise<RunningProcessBroker>
  authenticated: boolean
}

/** Shown in the table only: its RTT measures Nagle, not the broker. */
const NAGLE = 'aedes bare, Nagle (defaults)'
const ALL_TARGETS: readonly Target[] = [
  {
    key: 'ours',
    name: 'ours (createBroker, noDelay)',
    start: (password) => startNodeBroker('ours', password, { nodeOptions }),
    authenticated: true,
  },
  {
    key: 'aedes',
    name: 'aedes bare, noDelay',
    start: (password) => startNodeBroker('aedes', password, { nodeOptions }),
    authenticated: false,
  },
  {
    key: 'aedes-nagle',
    name: NAGLE,
    start: (password) => startNodeBroker('aedes-nagle', password, { nodeOptions }),
    authenticated: false,
  },
  {
    key: 'mosquitto',
    name: 'mosquitto (Debian defaults)',
    start: () => startMosquitto({ tcpNoDelay: false }),
    authenticated: false,
  },
  {
    key: 'mosquitto-nodelay',
    name: 'mosquitto set_tcp_nodelay',
    start: () => startMosquitto({ tcpNoDelay: true }),
    authenticated: false,
  },
]
const wanted = new Set(args.targets.split(','))
const TARGETS = ALL_TARGETS.filter((target) => wanted.has(target.key))

interface Running {
  broker: RunningProcessBroker
  clients: Clients
  results: TargetResults
}

async function startTarget(target: Target): Promise<Running> {
  const password = randomBytes(18).toString('base64url')
  const broker = await target.start(password)
  try {
    const credentials = target.authenticated ? { username: BENCH_MANAGER, password } : {}
    const clients = await connectClients({ port: broker.port, ...credentials }, TOPICS.pair)
    await clients.publisher.subscribeAsync(TOPICS.self, { qos: 1 })
    // Warm-up (JIT, buffers, TCP windows); not measured.
    await measureRoundTrip({ publisher: clients.publisher, receiver: clients.subscriber }, TOPICS.pair, {
      ...ROUND_TRIP,
      samples: 0,
    })
    await measureThroughput(clients, TOPICS.pair, {
      messages: THROUGHPUT.warmupMessages,
      window: THROUGHPUT.window,
      capMs: THROUGHPUT.capMs,
    })
    const results: TargetResults = {
      name: target.name,
      roundTrips: [],
      selfRoundTrips: [],
      throughputs: [],
      brokerCpuMs: 0,
      clientCpuMs: 0,
    }
    return { broker, clients, results }
  } catch (err) {
    await broker.stop()
    throw err
  }
}

async function measureRound({ broker, clients, results }: Running): Promise<void> {
  const noWarmup = { ...ROUND_TRIP, warmup: 0 }
  results.roundTrips.push(
    await measureRoundTrip({ publisher: clients.publisher, receiver: clients.subscriber }, TOPICS.pair, noWarmup),
  )
  results.selfRoundTrips.push(
    await measureRoundTrip({ publisher: clients.publisher, receiver: clients.publisher }, TOPICS.self, noWarmup),
  )
  const cpuBefore = await processCpuMs(broker.pid)
  const clientBefore = process.cpuUsage()
  results.throughputs.push(await measureThroughput(clients, TOPICS.pair, THROUGHPUT))
  const clientCpu = process.cpuUsage(clientBefore)
  const cpuAfter = await processCpuMs(broker.pid)
  results.clientCpuMs += (clientCpu.user + clientCpu.system) / 1000
  results.brokerCpuMs =
    cpuBefore === undefined || cpuAfter === undefined || results.brokerCpuMs === undefined
      ? undefined
      : results.brokerCpuMs + cpuAfter - cpuBefore
}

/** ours ÷ another broker; against mosquitto also the goals of issue 19. */
function comparison(ours: Summary, other: Summary): string {
  const lines = [ratios(ours, other)]
  if (other.name.startsWith('mosquitto')) {
    const cpu = (ours.brokerCpuUsPerMessage ?? Number.NaN) / (other.brokerCpuUsPerMessage ?? Number.NaN)
    const against = (goal: Goal): Goal => ({ ...goal, what: `${goal.what}, ours / ${other.name}` })
    lines.push(`  ${goalLine(against(GOALS.brokerRtt), ours.rtt.p50 / other.rtt.p50)}`)
    lines.push(`  ${goalLine(against(GOALS.brokerCpu), cpu)}`)
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const started = performance.now()
  const out = (text: string): boolean => process.stdout.write(`${text}\n`)
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')
  out(await describeMachine())
  out(`load average (1/5/15 min) before: ${load()} — other work on the machine skews every figure`)
  out(
    `workload: MQTT 3.1.1, QoS 1, 64-byte payloads; ${ROUNDS} interleaved rounds per broker, each: ` +
      `${ROUND_TRIP.samples} sequential round trips publisher → subscriber (${TOPICS.pair}), ${ROUND_TRIP.samples} on one ` +
      `connection subscribed to its own topic (${TOPICS.self}) (each series capped at ${ROUND_TRIP.capMs / 1000} s), ` +
      `${THROUGHPUT.messages} messages with ≤ ${THROUGHPUT.window} unacknowledged; after a warm-up of ` +
      `${ROUND_TRIP.warmup} round trips + ${THROUGHPUT.warmupMessages} messages`,
  )
  const running: Running[] = []
  try {
    for (const target of TARGETS) running.push(await startTarget(target))
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < running.length; i++) {
        const current = running[(i + round) % running.length]
        if (current === undefined) continue
        log.info({ round, target: current.results.name }, 'measuring')
        await measureRound(current)
      }
    }
  } finally {
    for (const { clients, broker } of [...running].reverse()) {
      await clients.close()
      await broker.stop()
    }
  }
  const summaries = running.map(({ results }) => summarize(results))
  out('')
  out(table(summaries))
  out('')
  const [ours, ...others] = summaries
  if (ours !== undefined && ours.name === ALL_TARGETS[0]?.name)
    for (const other of others) if (other.name !== NAGLE) out(comparison(ours, other))
  out(`(total ${((performance.now() - started) / 1000).toFixed(1)} s, load average after: ${load()})`)
}

runBench(main, log, OVERALL_DEADLINE_MS)

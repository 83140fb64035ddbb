/**
 * Retained-message benchmark: what a SUBSCRIBE costs the broker when it holds a fleet's retained topics.
 * Each broker runs in its own process (bench-server.ts): ours (createBroker, retained messages indexed by exact
 * topic) and bare aedes (its memory persistence tests every retained topic against each filter). Per broker:
 *   1. fill: one client publishes `hosts` × 5 retained messages (the five retained leaves of every host);
 *   2. wildcard: SUBSCRIBE `amt/v1/+/+/status` (what the manager and integrators do), until all `hosts` arrived;
 *   3. exact: `subscribes` sequential SUBSCRIBEs of one host's `desired` (what every agent does at each connect),
 *      each until its retained message arrived.
 * Run: npm run bench:retained [-- --hosts 10000 --subscribes 500]   (results: docs/benchmarks.md)
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { createLogger } from '../../lib/log.ts'
import { buildTopic, type Leaf } from '../../schemas/topics.ts'
import { BENCH_MANAGER } from './bench-principal.ts'
import { describeMachine, processCpuMs } from './machine.ts'
import type { RunningProcessBroker } from './mosquitto.ts'
import { startNodeBroker, type NodeBrokerMode } from './node-broker.ts'
import { percentile } from './report.ts'
import { runBench } from './run-bench.ts'

const RETAINED_LEAVES: readonly Leaf[] = ['desired', 'status', 'presence', 'capability', 'state']
const PAYLOAD = Buffer.alloc(200, 0x2e)
/** The whole run is aborted (exit 1) past this: it must never hang CI or a terminal. */
const OVERALL_DEADLINE_MS = 600_000

const log = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) })

const TARGETS: readonly { name: string; mode: NodeBrokerMode }[] = [
  { name: 'ours (createBroker)', mode: 'ours' },
  { name: 'aedes bare (memory persistence)', mode: 'aedes' },
]

interface Result {
  name: string
  fillMs: number
  wildcardMs: number
  wildcardCpuMs: number | undefined
  exact: number[]
  exactCpuMs: number | undefined
}

const hostId = (index: number): string => `host-${index}`

async function connect(port: number, password: string, name: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    protocolVersion: 4,
    clientId: `${BENCH_MANAGER}:${name}-${randomBytes(3).toString('hex')}`,
    username: BENCH_MANAGER,
    password,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  })
  client.on('error', (err) => log.warn({ err, name }, 'client error'))
  return client
}

/** Publishes every host's retained leaves; the closing QoS 1 publish is acknowledged after the ones before it. */
async function fill(client: MqttClient, hosts: number): Promise<void> {
  for (let index = 0; index < hosts; index++) {
    for (const leaf of RETAINED_LEAVES) {
      client.publish(buildTopic({ tenantId: 'bench', hostId: hostId(index), leaf }), PAYLOAD, { qos: 0, retain: true })
    }
    if (index % 1000 === 999) await client.publishAsync('amt/v1/bench/fill/events', 'mark', { qos: 1 })
  }
  await client.publishAsync('amt/v1/bench/fill/events', 'done', { qos: 1 })
}

/** SUBSCRIBE `filter` and resolve once `count` retained messages came in, with the elapsed ms. */
async function subscribeUntil(client: MqttClient, filter: string, count: number): Promise<number> {
  const started = performance.now()
  let received = 0
  let onMessage = (): void => {}
  const arrived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${filter}: ${received}/${count} retained in 60 s`)), 60_000)
    onMessage = () => {
      if (++received < count) return
      clearTimeout(timer)
      resolve()
    }
    client.on('message', onMessage)
  })
  try {
    await client.subscribeAsync(filter, { qos: 0 })
    await arrived
  } finally {
    client.off('message', onMessage)
  }
  return performance.now() - started
}

async function cpuSince(broker: RunningProcessBroker, before: number | undefined): Promise<number | undefined> {
  const after = await processCpuMs(broker.pid)
  return before === undefined || after === undefined ? undefined : after - before
}

async function measure(target: (typeof TARGETS)[number], hosts: number, subscribes: number): Promise<Result> {
  const password = randomBytes(18).toString('base64url')
  const broker = await startNodeBroker(target.mode, password)
  const clients: MqttClient[] = []
  try {
    const filler = await connect(broker.port, password, 'fill')
    clients.push(filler)
    const fillStarted = performance.now()
    await fill(filler, hosts)
    const fillMs = performance.now() - fillStarted

    const reader = await connect(broker.port, password, 'read')
    clients.push(reader)
    let cpuBefore = await processCpuMs(broker.pid)
    const wildcardMs = await subscribeUntil(reader, 'amt/v1/bench/+/status', hosts)
    const wildcardCpuMs = await cpuSince(broker, cpuBefore)

    const exact: number[] = []
    cpuBefore = await processCpuMs(broker.pid)
    for (let i = 0; i < subscribes; i++) {
      const index = Math.floor((i * hosts) / subscribes)
      const topic = buildTopic({ tenantId: 'bench', hostId: hostId(index), leaf: 'desired' })
      exact.push(await subscribeUntil(reader, topic, 1))
    }
    const exactCpuMs = await cpuSince(broker, cpuBefore)
    return { name: target.name, fillMs, wildcardMs, wildcardCpuMs, exact, exactCpuMs }
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true)))
    await broker.stop()
  }
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined ? 'n/a' : value.toFixed(digits)

function report(results: readonly Result[], subscribes: number): string[] {
  const lines = [
    '| broker | fill s | wildcard ms | wildcard broker CPU ms | exact p50 ms | exact p99 ms | ' +
      'exact broker CPU µs/SUBSCRIBE |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const result of results) {
    const sorted = [...result.exact].sort((a, b) => a - b)
    const cpuPerSubscribe = result.exactCpuMs === undefined ? undefined : (result.exactCpuMs * 1000) / subscribes
    const cells = [
      result.name,
      fixed(result.fillMs / 1000, 1),
      fixed(result.wildcardMs, 0),
      fixed(result.wildcardCpuMs, 0),
      fixed(percentile(sorted, 50), 3),
      fixed(percentile(sorted, 99), 3),
      fixed(cpuPerSubscribe, 0),
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const [ours, bare] = results
  if (ours !== undefined && bare !== undefined) {
    const median = (values: readonly number[]): number =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      )
    lines.push(
      '',
      `ours / aedes bare: wildcard ${(ours.wildcardMs / bare.wildcardMs).toFixed(2)}×, ` +
        `exact p50 ${(median(ours.exact) / median(bare.exact)).toFixed(3)}×`,
    )
  }
  return lines
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { hosts: { type: 'string', default: '10000' }, subscribes: { type: 'string', default: '500' } },
  })
  const hosts = Number(values.hosts)
  const subscribes = Number(values.subscribes)
  if (!Number.isInteger(hosts) || hosts < 1 || !Number.isInteger(subscribes) || subscribes < 1) {
    throw new Error('--hosts and --subscribes take positive integers')
  }
  const out = (text: string): boolean => process.stdout.write(`${text}\n`)
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')
  out(await describeMachine())
  out(`load average (1/5/15 min) before: ${load()} — other work on the machine skews every figure`)
  out(
    `workload: ${hosts} hosts × ${RETAINED_LEAVES.length} retained topics (${PAYLOAD.length}-byte payloads), ` +
      `one wildcard SUBSCRIBE of every host's status, ${subscribes} sequential exact SUBSCRIBEs of one host's desired`,
  )
  const results: Result[] = []
  for (const target of TARGETS) results.push(await measure(target, hosts, subscribes))
  out('')
  for (const line of report(results, subscribes)) out(line)
  out(`(load average after: ${load()})`)
}

runBench(main, log, OVERALL_DEADLINE_MS)

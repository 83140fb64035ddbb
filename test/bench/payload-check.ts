/**
 * What the broker's check of device payloads on retained leaves costs (broker/auth/device-payload-check.ts):
 * 1. the check alone, per message, for valid payloads of each retained leaf and for garbage;
 * 2. through a real broker (in process, TCP loopback, mqtt.js): one device publishing QoS 1 messages (≤ 100
 *    unacknowledged) to a manager subscriber, the same valid `state` bytes on `state` (checked) and on `events`
 *    (not checked by the broker), in interleaved rounds; the difference is the check's share.
 * Short on purpose (~10 s). Run: npm run bench:payload-check
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import mqtt, { type MqttClient } from 'mqtt'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { checkDevicePayload } from '../../broker/auth/device-payload-check.ts'
import { parseBrokerConfig, type BrokerConfigInput } from '../../broker/config.ts'
import { createBroker } from '../../broker/create-broker.ts'
import { silentLogger } from '../../lib/log.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic, type Leaf } from '../../schemas/topics.ts'
import { example } from '../schemas/examples.ts'

const HOST = { tenantId: 'bench', hostId: 'bench-host' }
const topicOf = (leaf: Leaf): string => buildTopic({ ...HOST, leaf })
const CHECK_ITERATIONS = 20_000
const ROUNDS = 3
const MESSAGES = 4_000
const WINDOW = 100
const out = (text: string): boolean => process.stdout.write(`${text}\n`)

function microseconds(run: () => void, iterations: number): number {
  for (let i = 0; i < 1_000; i++) run() // warm-up
  const started = performance.now()
  for (let i = 0; i < iterations; i++) run()
  return ((performance.now() - started) * 1000) / iterations
}

function measureCheck(): void {
  const cases: [string, string, Buffer][] = [
    ['state (valid)', topicOf('state'), Buffer.from(JSON.stringify(example('state', { hostId: HOST.hostId })))],
    [
      'capability (valid)',
      topicOf('capability'),
      Buffer.from(JSON.stringify(example('capability', { hostId: HOST.hostId }))),
    ],
    [
      'presence (valid)',
      topicOf('presence'),
      Buffer.from(JSON.stringify(example('presence', { hostId: HOST.hostId }))),
    ],
    ['state (garbage \\x00\\xff…)', topicOf('state'), Buffer.from([0, 0xff, 0x1b, 0x5b, 0x32, 0x4a])],
    ['events (not checked)', topicOf('events'), Buffer.from('{}')],
  ]
  out(`check alone, ${CHECK_ITERATIONS} calls each:`)
  for (const [name, topic, payload] of cases) {
    const us = microseconds(() => checkDevicePayload(topic, payload, 64 * 1024), CHECK_ITERATIONS)
    out(`  ${name.padEnd(28)} ${payload.length.toString().padStart(5)} B  ${us.toFixed(2).padStart(7)} µs/message`)
  }
}

async function startBroker(
  device: { username: string; password: string },
  manager: { username: string; password: string },
) {
  const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
  await credentials.add({ ...device, role: 'device', ...HOST })
  await credentials.add({ ...manager, role: 'manager' })
  const unlimited = 1_000_000_000
  const input = (withByteLimit: boolean): BrokerConfigInput => ({
    listeners: { tcp: { host: '127.0.0.1', port: 0 } },
    limits: {
      devicePublishRateLimit: { max: unlimited, windowMs: 1_000 },
      // The per-device byte budget, where the config has one.
      ...(withByteLimit ? { deviceByteRateLimit: { max: unlimited, windowMs: 1_000 } } : {}),
    },
    logLevel: 'silent',
  })
  const parsed = [parseBrokerConfig(input(true)), parseBrokerConfig(input(false))].find((result) => result.ok)
  if (parsed === undefined || !parsed.ok) throw new Error('bench broker config rejected')
  return createBroker(parsed.config, { log: silentLogger(), credentials })
}

/** Publishes `count` messages with at most WINDOW unacknowledged; resolves when the subscriber has them all. */
async function throughput(
  publisher: MqttClient,
  subscriber: MqttClient,
  topic: string,
  payload: Buffer,
): Promise<number> {
  let received = 0
  const all = new Promise<void>((resolve) => {
    const onMessage = (arrived: string): void => {
      if (arrived !== topic || ++received < MESSAGES) return
      subscriber.removeListener('message', onMessage)
      resolve()
    }
    subscriber.on('message', onMessage)
  })
  const started = performance.now()
  let sent = 0
  const inFlight = new Set<Promise<unknown>>()
  while (sent < MESSAGES) {
    const publish = publisher.publishAsync(topic, payload, { qos: 1 })
    inFlight.add(publish)
    void publish.finally(() => inFlight.delete(publish))
    sent += 1
    if (inFlight.size >= WINDOW) await Promise.race(inFlight)
  }
  await all
  return MESSAGES / ((performance.now() - started) / 1000)
}

async function measureBroker(): Promise<void> {
  const device = { username: 'bench-host@bench', password: randomBytes(18).toString('base64url') }
  const manager = { username: 'bench-manager', password: randomBytes(18).toString('base64url') }
  const broker = await startBroker(device, manager)
  const url = `mqtt://127.0.0.1:${broker.tcpPort ?? 0}`
  const options = { protocolVersion: 4, reconnectPeriod: 0 } as const
  const publisher = await mqtt.connectAsync(url, { ...options, ...device, clientId: agentClientId(HOST, 'bench') })
  const subscriber = await mqtt.connectAsync(url, { ...options, ...manager, clientId: `${manager.username}:bench` })
  try {
    await subscriber.subscribeAsync(`amt/v1/${HOST.tenantId}/+/+`, { qos: 1 })
    const payload = Buffer.from(JSON.stringify(example('state', { hostId: HOST.hostId })))
    const rates: Record<'state' | 'events', number[]> = { state: [], events: [] }
    await throughput(publisher, subscriber, topicOf('events'), payload) // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const leaf of round % 2 === 0 ? (['state', 'events'] as const) : (['events', 'state'] as const)) {
        rates[leaf].push(await throughput(publisher, subscriber, topicOf(leaf), payload))
      }
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
    out(
      `\nthrough the broker: ${ROUNDS} rounds × ${MESSAGES} QoS 1 messages of ${payload.length} B, ≤ ${WINDOW} unacknowledged (median):`,
    )
    for (const leaf of ['events', 'state'] as const) {
      out(
        `  ${`${leaf} (${leaf === 'state' ? 'checked' : 'not checked'})`.padEnd(22)} ${median(rates[leaf]).toFixed(0).padStart(7)} msg/s  (${rates[leaf].map((r) => r.toFixed(0)).join(', ')})`,
      )
    }
    const perMessageUs = (1 / median(rates.state) - 1 / median(rates.events)) * 1e6
    out(`  difference per message: ${perMessageUs.toFixed(1)} µs (noise on a shared machine is of the same order)`)
  } finally {
    await Promise.all([publisher.endAsync(true), subscriber.endAsync(true)])
    await broker.close()
  }
}

measureCheck()
measureBroker().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${String(err)}\n`)
    process.exit(1)
  },
)

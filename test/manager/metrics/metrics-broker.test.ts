import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager, type RunningManager } from '../../../manager/wiring/start-manager.ts'
import { agentClientId } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { metricSum, scrapeMetrics } from '../../helpers/metrics-text.ts'

const WAIT_MS = 30_000
const DEVICE = { tenantId: 'acme', hostId: 'h1' }
const USERNAME = 'h1@acme'
const PASSWORD = 'device-secret-1'
const MAX_PACKET_BYTES = 1024

async function startEmbedded(t: ExecutionContext): Promise<RunningManager> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-metrics-broker-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const limits = { maxPacketBytes: MAX_PACKET_BYTES, devicePublishRateLimit: { max: 3, windowMs: 600_000 } }
  const parsed = parseManagerConfig(
    { dataDir, api: { port: 0 }, broker: { embedded: { tcp: { port: 0 }, limits } } },
    { env: {} },
  )
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const running = await startManager(parsed.config, { log: silentLogger() })
  t.teardown(() => running.close())
  await running.inventory.createTenant({ tenantId: DEVICE.tenantId })
  await running.inventory.createHost(DEVICE)
  const passwordHash = await hashPassword(PASSWORD, { logN: 10, r: 8, p: 1 })
  await running.inventory.putCredential({ ...DEVICE, username: USERNAME, passwordHash })
  return running
}

function connect(t: ExecutionContext, url: string, password: string, purpose: string): MqttClient {
  const client = mqtt.connect(url, {
    username: USERNAME,
    password,
    clientId: agentClientId(DEVICE, purpose),
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
  })
  client.on('error', () => undefined) // refusals are what this test causes
  t.teardown(() => client.endAsync(true))
  return client
}

/** Resolves at the client's next `event` (connect, error, close). */
const once = (client: MqttClient, event: 'connect' | 'error' | 'close'): Promise<void> =>
  new Promise((resolve) => client.once(event, () => resolve()))

/** Resolves when the broker has closed the client's connection. */
const closed = (client: MqttClient): Promise<void> => (client.connected ? once(client, 'close') : Promise.resolve())

async function sample(running: RunningManager, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(await scrapeMetrics(running.apiUrl), name, labels)
}

test('the embedded broker counts auth failures, ACL denials, rate limits, oversized packets and connections on /metrics', async (t) => {
  t.timeout(4 * WAIT_MS)
  const running = await startEmbedded(t)
  const url = running.brokerUrl
  t.is(await sample(running, 'amt_broker_connections'), 0, 'no device connected yet')

  const wrong = connect(t, url, 'not-the-password', 'wrong')
  await once(wrong, 'error')
  t.is(await sample(running, 'amt_broker_connections_refused_total', { reason: 'bad-credentials' }), 1)

  const device = connect(t, url, PASSWORD, 'acl')
  await once(device, 'connect')
  t.is(await sample(running, 'amt_broker_connections'), 1, 'one device connection open')
  const refused = await device
    .subscribeAsync(buildTopic({ tenantId: 'other', hostId: 'h9', leaf: 'desired' }))
    .catch((err: unknown) => err)
  t.regex(String(refused), /Subscribe error/, 'SUBACK 0x80 for another tenant')
  t.is(await sample(running, 'amt_broker_subscribe_denied_total', { reason: 'out-of-scope' }), 1)
  const gone = closed(device)
  device.publish(buildTopic({ tenantId: 'acme', hostId: 'h2', leaf: 'events' }), '{}')
  await gone
  t.is(await sample(running, 'amt_broker_publish_denied_total', { reason: 'out-of-scope' }), 1)

  const chatty = connect(t, url, PASSWORD, 'budget')
  await once(chatty, 'connect')
  const cut = closed(chatty)
  const events = buildTopic({ ...DEVICE, leaf: 'events' })
  for (let index = 0; index < 4; index++) chatty.publish(events, `{"n":${index}}`)
  await cut
  t.true(
    (await sample(running, 'amt_broker_publish_denied_total', { reason: 'rate-limited' })) >= 1,
    'over the device budget',
  )

  const big = connect(t, url, PASSWORD, 'big')
  await once(big, 'connect')
  const dropped = closed(big)
  big.publish(events, 'x'.repeat(MAX_PACKET_BYTES * 2))
  await dropped
  t.is(await sample(running, 'amt_broker_connections_closed_total', { reason: 'packet-too-large' }), 1)
  t.is(await sample(running, 'amt_broker_connections'), 0, 'every device connection is closed again')
})

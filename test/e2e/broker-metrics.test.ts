import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import mqtt from 'mqtt'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { metricSum, scrapeMetrics } from '../helpers/metrics-text.ts'
import { newCredential, writeCredentialsFile } from './support/manager-process.ts'
import { BIN, spawnNode, STEP_MS, tempDir, until } from './support/processes.ts'
import { printed, sendSignal, within } from './support/signals.ts'

const DEVICE = { tenantId: 'acme', hostId: 'h1' }

test('`amt-broker serve` with `metrics`: /metrics counts auth failures and ACL denials of a real client, /healthz answers', async (t) => {
  t.timeout(4 * STEP_MS)
  const dir = await tempDir(t, 'amt-e2e-broker-metrics-')
  const device = newCredential('h1@acme')
  await writeCredentialsFile(path.join(dir, 'credentials.yaml'), [{ ...device, role: 'device', ...DEVICE }])
  const configFile = path.join(dir, 'broker.yaml')
  const config = [
    'listeners:',
    '  tcp: { host: 127.0.0.1, port: 0 }',
    'metrics: { host: 127.0.0.1, port: 0 }',
    'credentialsFile: credentials.yaml',
    'logLevel: info',
  ]
  await writeFile(configFile, `${config.join('\n')}\n`)
  const broker = spawnNode(t, BIN.broker, ['serve', '--config', configFile])
  await printed(broker, /"listener":"metrics","port":\d+/, 'the metrics endpoint to listen')
  await printed(broker, /"listener":"tcp","port":\d+/, 'the broker to listen')
  const listening = broker.output().matchAll(/"listener":"(\w+)","port":(\d+)/g)
  const ports = new Map([...listening].map((match) => [match[1] ?? '', match[2] ?? '']))
  const metricsUrl = `http://127.0.0.1:${ports.get('metrics')}`
  const mqttUrl = `mqtt://127.0.0.1:${ports.get('tcp')}`

  t.is((await fetch(`${metricsUrl}/healthz`)).status, 200)
  t.is((await fetch(`${metricsUrl}/nothing`)).status, 404)
  const before = await scrapeMetrics(metricsUrl)
  t.is(metricSum(before, 'amt_broker_connections_refused_total'), 0)
  t.true(metricSum(before, 'process_resident_memory_bytes') > 0, 'the process metrics are there too')

  const clientId = agentClientId(DEVICE, 'metrics')
  const options = { username: device.username, clientId, reconnectPeriod: 0, connectTimeout: STEP_MS }
  const refused = await t.throwsAsync(mqtt.connectAsync(mqttUrl, { ...options, password: 'wrong-password' }))
  t.regex(refused.message, /[Nn]ot authorized|[Bb]ad username or password/)
  const client = await mqtt.connectAsync(mqttUrl, { ...options, password: device.password })
  t.teardown(() => client.endAsync(true))
  const connected = await scrapeMetrics(metricsUrl)
  t.is(metricSum(connected, 'amt_broker_connections_refused_total', { reason: 'bad-credentials' }), 1)
  t.is(metricSum(connected, 'amt_broker_connections'), 1)
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.publish(buildTopic({ tenantId: 'acme', hostId: 'h2', leaf: 'events' }), '{}')
  await within(closed, 'the broker to close the denied publisher')
  await until(
    async () => metricSum(await scrapeMetrics(metricsUrl), 'amt_broker_connections') === 0,
    'the connection to be gone',
  )
  t.is(metricSum(await scrapeMetrics(metricsUrl), 'amt_broker_publish_denied_total', { reason: 'out-of-scope' }), 1)

  sendSignal(broker, 'SIGTERM')
  t.deepEqual(
    await within(broker.exited, 'the broker to exit'),
    { exitCode: 0, signal: null },
    broker.output().slice(-2000),
  )
  t.false(broker.output().includes(device.password), 'the password is never logged')
})

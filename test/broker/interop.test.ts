import test from 'ava'
import { execa } from 'execa'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker, type TestBroker, type TestCredential } from '../helpers/broker.ts'
import { testClientId } from '../helpers/client-ids.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { Inbox, connectClient, subscribeCodes } from './support/mqtt-clients.ts'

/**
 * Debian's mosquitto-clients as a foreign MQTT 3.1.1 client. Missing binaries fail the tests (CI installs
 * them), they are never skipped.
 */
const MOSQUITTO_TIMEOUT_S = 30

test.before(async () => {
  for (const binary of ['mosquitto_pub', 'mosquitto_sub']) {
    const probe = await execa(binary, ['--help'], { reject: false })
    if ((probe as { code?: string }).code === 'ENOENT') {
      throw new Error(
        `${binary} is not installed: the interop tests need Debian's mosquitto-clients (apt-get install -y mosquitto-clients)`,
      )
    }
  }
})

/** With a client id the principal may use (mosquitto clients would pick `mosq-…`, which the broker refuses). */
const connection = (broker: TestBroker, { username, password }: TestCredential): string[] => [
  '-h',
  '127.0.0.1',
  '-p',
  String(broker.port),
  '-V',
  'mqttv311',
  '-i',
  testClientId(username, 'mosquitto'),
  '-u',
  username,
  '-P',
  password,
]

function mosquittoPub(
  broker: TestBroker,
  credential: TestCredential,
  topic: string,
  message: string,
  extra: string[] = [],
) {
  return execa('mosquitto_pub', [...connection(broker, credential), '-t', topic, '-m', message, '-q', '1', ...extra], {
    reject: false,
    timeout: MOSQUITTO_TIMEOUT_S * 1000,
  })
}

/** Waits for one message (retained ones count) and prints `topic payload`. */
function mosquittoSubOne(broker: TestBroker, credential: TestCredential, filter: string) {
  return execa(
    'mosquitto_sub',
    [...connection(broker, credential), '-t', filter, '-q', '1', '-C', '1', '-W', String(MOSQUITTO_TIMEOUT_S), '-v'],
    { reject: false },
  )
}

const T = 'acme'
const H = 'host-7'

test('a device publishes with mosquitto_pub; manager and integrator receive with mosquitto_sub', async (t) => {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice(T, H)
  const state = buildTopic({ tenantId: T, hostId: H, leaf: 'state' })
  const capability = buildTopic({ tenantId: T, hostId: H, leaf: 'capability' })

  const [statePayload, capabilityPayload] = [
    contractPayload(state, 'via mosquitto_pub'),
    contractPayload(capability, 'via mosquitto_pub'),
  ]
  const published = await Promise.all([
    mosquittoPub(broker, device, state, statePayload, ['-r']),
    mosquittoPub(broker, device, capability, capabilityPayload, ['-r']),
  ])
  t.deepEqual(
    published.map((p) => p.exitCode),
    [0, 0],
    published.map((p) => p.stderr).join('\n'),
  )

  const [managerSub, integratorSub] = await Promise.all([
    mosquittoSubOne(broker, await broker.addManager(), `amt/v1/${T}/+/state`),
    mosquittoSubOne(broker, await broker.addIntegrator(T), `amt/v1/${T}/+/capability`),
  ])
  t.is(managerSub.stdout, `${state} ${statePayload}`, managerSub.stderr)
  t.is(integratorSub.stdout, `${capability} ${capabilityPayload}`, integratorSub.stderr)
})

test('an integrator cannot read a device state, nor publish (QoS 1) through mosquitto clients', async (t) => {
  const broker = await startTestBroker(t)
  const integrator = await broker.addIntegrator(T)
  const device = await broker.addDevice(T, H)
  const observer = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(observer)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])

  const denied = await mosquittoSubOne(broker, integrator, `amt/v1/${T}/+/state`)
  t.regex(denied.stderr, /denied/i)
  t.is(denied.stdout, '')

  const status = buildTopic({ tenantId: T, hostId: H, leaf: 'status' })
  const forged = await mosquittoPub(broker, integrator, status, 'forged')
  t.not(forged.exitCode, 0, 'the broker closes the connection instead of acknowledging')
  // Positive control on the same path: a permitted publish arrives at the observer.
  const events = buildTopic({ tenantId: T, hostId: H, leaf: 'events' })
  t.is((await mosquittoPub(broker, device, events, 'genuine')).exitCode, 0)
  await inbox.until((messages) => messages.some((m) => m.payload === 'genuine'), 'the genuine event')
  // The forged publish was refused before routing (its connection is gone), so it can never arrive.
  t.deepEqual(
    inbox.messages.map((m) => m.payload),
    ['genuine'],
  )
  t.deepEqual(broker.broker.stats().publishDenied, { 'leaf-not-allowed': 1 })
  t.deepEqual(broker.broker.stats().subscribeDenied, { 'no-readable-leaf': 1 })
})

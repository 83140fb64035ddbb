import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { createRpcCliAmt } from '../../../agent/amt/rpc-cli.ts'
import { ENV_BROKER_PASSWORD, parseAgentConfig } from '../../../agent/config.ts'
import { createFakeServiceControl } from '../../../agent/services/fake.ts'
import { collectStatus, formatStatus } from '../../../agent/status.ts'
import { silentLogger } from '../../../lib/log.ts'
import { deviceUsername } from '../../../schemas/principals.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { createEmulatedDevice } from '../../helpers/agent-device.ts'
import { TENANT, testAgentConfig } from '../../helpers/agent-harness.ts'
import { startMosquitto } from '../../helpers/mosquitto.ts'

// `amt-agent status` says what it can honestly tell about its subscriptions (its own desired and secret/res):
// refused (SUBACK 0x80) for certain; delivering once a retained desired arrived; otherwise it cannot tell.

const HOST = 'node-status'
const key = { tenantId: TENANT, hostId: HOST }

async function status(
  t: ExecutionContext,
  url: string,
  credential: { username: string; password: string },
  hostId = HOST,
) {
  const device = await createEmulatedDevice(t, { controlMode: 'ccm' })
  const document = testAgentConfig({ url, hostId, device })
  const input = { ...document, broker: { ...document.broker, username: credential.username } }
  const parsed = parseAgentConfig(input, { env: { [ENV_BROKER_PASSWORD]: credential.password } })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const log = silentLogger()
  const amt = createRpcCliAmt({ path: device.rpcPath, devDir: device.devDir, log })
  t.teardown(() => amt.stop())
  const services = createFakeServiceControl({ lms: 'active' })
  return collectStatus({ config: parsed.config, amt, services, log, timeoutMs: 5000, desiredWaitMs: 2000 })
}

const desired = (generation: number) =>
  JSON.stringify({
    v: 1,
    ts: new Date().toISOString(),
    hostId: HOST,
    generation,
    state: 'PROVISIONED',
    controlMode: 'CCM',
  })

/**
 * A bare aedes broker that accepts any login and refuses every subscription (SUBACK 0x80). Ours can no longer be
 * made to: a device may only use its own host's client ids, and those may read their own topics.
 */
async function refusingBroker(t: ExecutionContext): Promise<string> {
  const aedes = await Aedes.createBroker({ authorizeSubscribe: (_client, _subscription, done) => done(null, null) })
  const server = createServer((socket) => aedes.handle(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    server.close()
  })
  return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('status: subscriptions refused by the broker (SUBACK 0x80) → unhealthy, with the refused topics', async (t) => {
  const report = await status(t, await refusingBroker(t), { username: deviceUsername(key), password: 'any' })
  t.like(report, { broker: { reachable: true, subscriptions: { delivers: 'no' } }, healthy: false })
  t.deepEqual(report.broker.subscriptions?.refused, [
    buildTopic({ ...key, leaf: 'desired' }),
    buildTopic({ ...key, leaf: 'secret/res' }),
  ])
  t.regex(
    formatStatus(report).join('\n'),
    /subscriptions: the broker refused amt\/v1\/acme\/node-status\/desired, .* \(SUBACK 0x80\)/,
  )
})

for (const [readable, expected] of [
  [true, { delivers: 'yes', desired: { received: true, generation: 7, state: 'PROVISIONED' } }],
  [false, { delivers: 'unknown', desired: { received: false } }],
] as const) {
  test(`status on Mosquitto: a retained desired and an ACL that ${readable ? 'allows' : 'denies'} reading it → delivers ${expected.delivers}`, async (t) => {
    const agent = { username: deviceUsername(key), password: randomBytes(9).toString('hex') }
    const manager = { username: 'amt-manager', password: randomBytes(9).toString('hex') }
    const acl = [
      `user ${manager.username}`,
      'topic readwrite amt/v1/#',
      `user ${agent.username}`,
      `topic write amt/v1/${TENANT}/${HOST}/#`,
      ...(readable
        ? [`topic read amt/v1/${TENANT}/${HOST}/desired`, `topic read amt/v1/${TENANT}/${HOST}/secret/res`]
        : []),
      '',
    ].join('\n')
    const broker = await startMosquitto(t, { users: [agent, manager], acl })
    const publisher = await mqtt.connectAsync(
      broker.url,
      { ...manager, clientId: 'amt-manager', reconnectPeriod: 0 },
      false,
    )
    t.teardown(() => publisher.endAsync(true))
    await publisher.publishAsync(buildTopic({ ...key, leaf: 'desired' }), desired(7), { qos: 1, retain: true })

    const report = await status(t, broker.url, agent)
    t.like(report.broker.subscriptions, { refused: [], ...expected })
    t.true(report.healthy, 'an unconfirmed delivery is reported, not counted as a failure')
    const line = formatStatus(report).find((text) => text.startsWith('subscriptions:')) ?? ''
    if (readable) t.regex(line, /granted; desired received \(generation 7, PROVISIONED\)/)
    else t.regex(line, /granted; no desired received \(none published yet, or denied\) within 2000 ms/)
  })
}

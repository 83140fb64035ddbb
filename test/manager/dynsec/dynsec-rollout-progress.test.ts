import test from 'ava'
import mqtt from 'mqtt'
import { silentLogger } from '../../../lib/log.ts'
import { createDynsecAccounts } from '../../../manager/dynsec/broker-accounts.ts'
import { DynsecControl } from '../../../manager/dynsec/dynsec-control.ts'
import { agentClientId, deviceUsername } from '../../../schemas/principals.ts'
import { buildRolloutProgressTopic, tenantRolloutsFilter } from '../../../schemas/rollout-progress.ts'
import { Inbox, subscribeCodes } from '../../broker/support/mqtt-clients.ts'
import { dynsecCommand, startDynsecMosquitto } from '../../e2e/support/mosquitto-dynsec.ts'
import { newCredential } from '../../e2e/support/manager-process.ts'

/**
 * A real Mosquitto 2 with the roles the manager keeps in its dynamic-security plugin: the manager's role publishes
 * rollout progress; a device's role neither publishes nor subscribes to it. The integrator's role is the operator's
 * own (docs/external-brokers.md), made here as documented: read `amt/v1/<tenant>/_rollouts/+/progress`.
 */
test('Mosquitto dynsec: the manager role publishes rollout progress, a device role can neither publish nor read it', async (t) => {
  const admin = newCredential('amt-manager')
  const broker = await startDynsecMosquitto(t, admin)
  const control = new DynsecControl({
    url: broker.url,
    ...admin,
    clientId: 'amt-manager:dynsec',
    reconnectPeriodMs: 100,
    log: silentLogger(),
  })
  t.teardown(() => control.close())
  const accounts = createDynsecAccounts(control, { log: silentLogger() })
  await accounts.ensureManagerRole(admin.username)
  const key = { tenantId: 'acme', hostId: 'node-1' }
  const devicePassword = newCredential('device').password
  await accounts.putDevice(key, devicePassword)
  const reader = newCredential('acme-reader')
  const filter = tenantRolloutsFilter('acme')
  const acls = [
    { acltype: 'subscribePattern', topic: filter, allow: true },
    { acltype: 'publishClientReceive', topic: filter, allow: true },
  ]
  const role = await dynsecCommand(broker.url, admin, { command: 'createRole', rolename: 'acme-reader', acls })
  t.is(role.error, undefined)
  const client = await dynsecCommand(broker.url, admin, {
    command: 'createClient',
    ...reader,
    roles: [{ rolename: 'acme-reader' }],
  })
  t.is(client.error, undefined)

  const connect = async (options: mqtt.IClientOptions) => {
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, ...options })
    client.on('error', () => undefined)
    t.teardown(() => client.endAsync(true))
    return client
  }
  const readerClient = await connect({ ...reader, clientId: reader.username })
  const inbox = new Inbox(readerClient)
  t.deepEqual(await subscribeCodes(readerClient, [filter]), [1])
  const device = await connect({
    username: deviceUsername(key),
    password: devicePassword,
    clientId: agentClientId(key),
  })
  t.deepEqual(await subscribeCodes(device, [filter]), [0x80], 'a device cannot subscribe to rollout progress')
  const manager = await connect({ ...admin, clientId: 'amt-manager' })

  const topic = buildRolloutProgressTopic({ tenantId: 'acme', rolloutId: 'r-1' })
  // The device's publish is acknowledged and dropped (Mosquitto answers a denied QoS 1 PUBLISH with a PUBACK); the
  // manager's, published after that acknowledgement, is the first and only message the reader gets.
  await device.publishAsync(topic, 'forged by a device', { qos: 1, retain: true })
  await manager.publishAsync(topic, 'from the manager', { qos: 1, retain: true })
  await inbox.until((messages) => messages.length >= 1, "the manager's progress at the reader")
  t.deepEqual(
    inbox.messages.map(({ payload }) => payload),
    ['from the manager'],
  )
})

import test from 'ava'
import mqtt from 'mqtt'
import { silentLogger } from '../../../../lib/log.ts'
import { createHostRemoval } from '../../../../manager/core/flows/host-removal.ts'
import type { HostKey } from '../../../../manager/inventory/port.ts'
import { buildTopic } from '../../../../schemas/index.ts'
import { contractPayload } from '../../../broker/support/contract-payloads.ts'
import { startTestBroker } from '../../../helpers/broker.ts'
import { testClientId } from '../../../helpers/client-ids.ts'

const KEY: HostKey = { tenantId: 'acme', hostId: 'h-1' }

test('removeRecords deletes the host secrets and its RPS/MPS records; every step runs, failures are reported together', async (t) => {
  const done: string[] = []
  let mpsDown = true
  const removal = createHostRemoval({
    secrets: { deleteHostSecrets: (key) => Promise.resolve(void done.push(`secrets ${key.hostId}`)) },
    dmt: {
      removeHost: (key) =>
        mpsDown ? Promise.reject(new Error('MPS unavailable')) : Promise.resolve(void done.push(`dmt ${key.hostId}`)),
    },
    log: silentLogger(),
  })
  t.true(removal.external)
  await t.throwsAsync(removal.removeRecords(KEY, { keepSecrets: false }), { message: 'RPS/MPS: MPS unavailable' })
  t.deepEqual(done, ['secrets h-1'], 'the secrets went although MPS failed')
  mpsDown = false
  t.deepEqual(await removal.removeRecords(KEY, { keepSecrets: true }), [
    'kept host secrets',
    'removed RPS profiles and MPS device',
  ])
  t.deepEqual(done, ['secrets h-1', 'dmt h-1'], 'kept secrets are not deleted')
  t.false(createHostRemoval({ log: silentLogger() }).external)
})

test('with external broker accounts, removeRecords removes the device account too, and reports its failure', async (t) => {
  let brokerDown = true
  const removed: string[] = []
  const removal = createHostRemoval({
    brokerAccounts: {
      removeDevice: (key) =>
        brokerDown
          ? Promise.reject(new Error('broker account (dynamic security): no answer'))
          : Promise.resolve(void removed.push(key.hostId)),
    },
    log: silentLogger(),
  })
  t.true(removal.external, 'a failure keeps the host pending and is retried')
  await t.throwsAsync(removal.removeRecords(KEY, { keepSecrets: false }), {
    message: 'broker account: broker account (dynamic security): no answer',
  })
  brokerDown = false
  t.deepEqual(await removal.removeRecords(KEY, { keepSecrets: false }), ['removed broker account'])
  t.deepEqual(removed, ['h-1'])
})

test('disconnect closes the device connections of that host only, and their last will is not published', async (t) => {
  const broker = await startTestBroker(t)
  const connect = async (credential: { username: string; password: string }, will?: mqtt.IClientOptions['will']) => {
    const client = await mqtt.connectAsync(broker.url, {
      ...credential,
      clientId: testClientId(credential.username),
      reconnectPeriod: 0,
      ...(will ? { will } : {}),
    })
    client.on('error', () => undefined)
    t.teardown(() => client.endAsync(true))
    return client
  }
  const presence = buildTopic({ ...KEY, leaf: 'presence' })
  const device = await connect(await broker.addDevice(KEY.tenantId, KEY.hostId), {
    topic: presence,
    payload: Buffer.from(contractPayload(presence, 'will')),
    qos: 1,
    retain: true,
  })
  const neighbour = await connect(await broker.addDevice(KEY.tenantId, 'h-2'))
  const watcher = await connect(await broker.addManager())
  const seen: string[] = []
  watcher.on('message', (topic) => seen.push(topic))
  await watcher.subscribeAsync(['amt/v1/#'], { qos: 1 })

  const removal = createHostRemoval({ broker: broker.broker, log: silentLogger() })
  const closed = new Promise<void>((resolve) => device.once('close', () => resolve()))
  await removal.disconnect(KEY)
  await closed
  t.true(neighbour.connected, 'another host of the tenant keeps its connection')
  // A marker published after the disconnect arrives after anything the closed connection could have sent.
  const marker = buildTopic({ ...KEY, leaf: 'status' })
  const arrived = new Promise<void>((resolve) => watcher.on('message', (topic) => topic === marker && resolve()))
  await watcher.publishAsync(marker, Buffer.alloc(0), { qos: 1, retain: true })
  await arrived
  t.false(seen.includes(presence), 'the last will of a removed device is dropped')
})

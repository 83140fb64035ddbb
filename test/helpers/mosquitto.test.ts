import test from 'ava'
import mqtt from 'mqtt'
import { startMosquitto } from './mosquitto.ts'

const user = { username: 'alice', password: 'secret-1' }
const connect = (url: string) =>
  mqtt.connectAsync(url, { ...user, clientId: `t-${Math.random()}`, reconnectPeriod: 0 }, false)

test('mosquitto helper: password file and acl apply; a SIGKILL restart comes back on the same port', async (t) => {
  const broker = await startMosquitto(t, {
    users: [user, { username: 'bob', password: 'b' }],
    acl: 'user alice\ntopic readwrite a/#\n',
  })
  t.not(broker.port, 1883)
  const client = await connect(broker.url)
  t.teardown(() => client.endAsync(true))
  const grants = await client.subscribeAsync('a/b', { qos: 1 })
  t.is(grants[0]?.qos, 1)
  const got = new Promise<string>((resolve) => client.once('message', (_topic, payload) => resolve(payload.toString())))
  await client.publishAsync('a/b', 'hello', { qos: 1 })
  t.is(await got, 'hello')
  await client.endAsync(true)

  await t.throwsAsync(
    mqtt.connectAsync(broker.url, { username: 'alice', password: 'wrong', reconnectPeriod: 0 }, false),
  )
  const port = broker.port
  await broker.restart('SIGKILL')
  t.is(broker.port, port)
  const again = await connect(broker.url)
  t.teardown(() => again.endAsync(true))
  t.true(again.connected)
  await broker.reloadAcl('user alice\ntopic read a/#\n')
  t.regex(broker.output(), /Reloading config/)
})

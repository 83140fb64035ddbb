import test from 'ava'
import { decodeHash, hashPassword, verifyPasswordHash } from '../../broker/auth/password-hash.ts'
import { createLogger } from '../../lib/log.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { connectAnswer, flagsOf, handBuiltConnect, type ConnectFields } from './support/hand-built-connect.ts'

const WILL_QOS_3 = 0x18
/** The device of these tests; its CONNECTs use its agent's client ids (broker/auth/client-id-policy.ts). */
const H1 = { tenantId: 't1', hostId: 'h1' }
const WILL_RETAIN = 0x20

test('CONNECT with will QoS 3 is a protocol error: closed without CONNACK, counted and logged', async (t) => {
  type Line = { msg: string; reason?: string }
  const lines: Line[] = []
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) },
  })
  const broker = await startTestBroker(t, { log })
  const device = await broker.addDevice('t1', 'h1')
  const will = { topic: buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'presence' }), payload: 'offline' }
  const fields = { clientId: agentClientId(H1, 'will-qos-3'), will, ...device }
  t.is(
    await connectAnswer(t, broker.port, handBuiltConnect({ ...fields, flags: flagsOf(fields) | WILL_QOS_3 })),
    'closed',
  )
  t.is(
    await connectAnswer(
      t,
      broker.port,
      handBuiltConnect({ ...fields, clientId: agentClientId(H1, 'will-qos-1'), flags: flagsOf(fields) | 0x08 }),
    ),
    0,
    'QoS 1 is fine',
  )
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'will-qos-invalid': 1 })
  t.true(
    lines.some((line) => line.reason === 'will-qos-invalid'),
    'the refusal is logged with its reason',
  )
})

test('CONNECT flags that contradict the fields close the connection without CONNACK', async (t) => {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  const base: ConnectFields = { clientId: agentClientId(H1, 'flags'), ...device }
  const cases: Array<[string, ConnectFields]> = [
    // [MQTT-3.1.2-22] password flag without username flag (the password is then the only field after the id)
    ['password without username', { clientId: 'pw-only', password: device.password, flags: 0x02 | 0x40 }],
    // [MQTT-3.1.2-1] level 4 is "MQTT"; "MQIsdp" is level 3
    ['MQIsdp at level 4', { ...base, protocolName: 'MQIsdp' }],
    ['MQTT at level 3', { ...base, protocolName: 'MQTT', protocolLevel: 3 }],
    // [MQTT-1.5.3-2] no U+0000 in UTF-8 strings
    ['NUL in the client id', { ...base, clientId: 'id\u0000x' }],
    ['NUL in the username', { ...base, username: `${device.username}\u0000` }],
    // refused by mqtt-packet already [MQTT-3.1.2-11, -13, -15]: will QoS / retain without the will flag
    ['will QoS without will flag', { ...base, flags: flagsOf(base) | 0x08 }],
    ['will retain without will flag', { ...base, flags: flagsOf(base) | WILL_RETAIN }],
  ]
  for (const [name, fields] of cases)
    t.is(await connectAnswer(t, broker.port, handBuiltConnect(fields)), 'closed', name)
  t.deepEqual(broker.broker.stats().connectionsRefused, {
    'password-without-username': 1,
    'protocol-name-mismatch': 2,
    'nul-in-string': 2,
  })
  t.is(await connectAnswer(t, broker.port, handBuiltConnect(base)), 0, 'a well-formed CONNECT is still accepted')
  t.like(broker.broker.stats().connectionsClosed, { 'protocol-error': 2 }, 'the parser refused the two others')
})

test('a password followed by NUL bytes is refused (bad username or password), the password itself accepted', async (t) => {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  t.true(Buffer.byteLength(device.password) < 63, "short enough for scrypt's HMAC to pad it with zeros")
  const withNul = (suffix: Buffer) => Buffer.concat([Buffer.from(device.password), suffix])
  for (const [name, password] of [
    ['one trailing NUL', withNul(Buffer.from([0]))],
    ['several trailing NULs', withNul(Buffer.alloc(8))],
  ] as const) {
    t.is(
      await connectAnswer(
        t,
        broker.port,
        handBuiltConnect({ clientId: agentClientId(H1, 'nul'), username: device.username, password }),
      ),
      4,
      name,
    )
  }
  const inside = Buffer.from(device.password)
  inside[3] = 0
  t.is(
    await connectAnswer(
      t,
      broker.port,
      handBuiltConnect({ clientId: agentClientId(H1, 'nul'), username: device.username, password: inside }),
    ),
    4,
  )
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'password-nul': 3 })
  t.is(await connectAnswer(t, broker.port, handBuiltConnect({ clientId: agentClientId(H1, 'nul'), ...device })), 0)
})

test('password hashes never match a password with a NUL byte (HMAC zero padding)', async (t) => {
  const hash = decodeHash(await hashPassword('short-password', { logN: 10, r: 8, p: 1 }))
  if (hash === null) return t.fail('an scrypt hash')
  t.true(await verifyPasswordHash(hash, 'short-password'))
  t.false(await verifyPasswordHash(hash, 'short-password\u0000'))
  t.false(await verifyPasswordHash(hash, Buffer.from('short-password\u0000\u0000')))
})

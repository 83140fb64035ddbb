import test from 'ava'
import { agentClientId } from '../../../schemas/principals.ts'
import { contractPayload } from '../../broker/support/contract-payloads.ts'
import { brokerFixture, startBrokerAuthApi } from './broker-auth-harness.ts'

/** VerneMQ's webhook contract: the documented example payloads with this test's values, and its two answers. */
type Payload = Record<string, unknown>
interface VernemqFixture extends Record<string, Payload> {
  ok: Payload
  notAllowed: Payload
}

const verne = await brokerFixture<VernemqFixture>('vernemq')
const CLIENT = agentClientId({ tenantId: 'acme', hostId: 'node-1' })
const hookHeader = (secret: string, hook: string) => ({ authorization: `Bearer ${secret}`, 'vernemq-hook': hook })
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

for (const hook of ['auth_on_register', 'auth_on_register_m5']) {
  test(`${hook}: the device's password is ok; a wrong one and an unknown user are not_allowed alike`, async (t) => {
    const h = await startBrokerAuthApi(t)
    const login = await h.register('acme', 'node-1')
    const call = (values: Payload) =>
      h.call(`/vernemq/${hook}`, { ...verne[hook], client_id: CLIENT, ...values }, hookHeader(h.secret, hook))
    const ok = await call(login)
    t.is(ok.status, 200)
    t.deepEqual(ok.json, verne.ok)
    for (const values of [
      { ...login, password: 'wrong' },
      { username: 'ghost@acme', password: login.password },
      { username: null, password: null },
      { ...login, client_id: 'someone-else' },
      { ...login, mountpoint: 'tenant-a' },
    ]) {
      const refused = await call(values)
      t.is(refused.status, 200)
      t.deepEqual(refused.json, verne.notAllowed)
    }
    t.false(h.logs().includes(login.password))
  })
}

for (const hook of ['auth_on_publish', 'auth_on_publish_m5']) {
  test(`${hook}: a device publishes its own state (checked against the contract), no other host's`, async (t) => {
    const h = await startBrokerAuthApi(t)
    const { username } = await h.register('acme', 'node-1')
    await h.register('acme', 'node-2')
    const call = (topic: string, payload?: string) => {
      const body: Payload = { ...verne[hook], username, client_id: CLIENT, topic }
      if (payload === undefined) delete body.payload
      else body.payload = base64(payload)
      return h.call(`/vernemq/${hook}`, body, hookHeader(h.secret, hook))
    }
    const own = 'amt/v1/acme/node-1/state'
    t.deepEqual((await call(own, contractPayload(own, 'ok'))).json, verne.ok)
    t.deepEqual((await call(own)).json, verne.ok, 'no_payload: the topic alone decides')
    t.deepEqual((await call(own, '{"not":"a state"}')).json, verne.notAllowed, 'a retained leaf against the contract')
    const other = 'amt/v1/acme/node-2/state'
    t.deepEqual((await call(other, contractPayload(other, 'x'))).json, verne.notAllowed)
    t.deepEqual((await call('amt/v1/acme/node-1/desired', '{}')).json, verne.notAllowed)
    t.true(h.logs().includes('"reason":"invalid-payload:'))
  })
}

test('auth_on_subscribe: refused filters come back with QoS 128, the granted ones unchanged', async (t) => {
  const h = await startBrokerAuthApi(t)
  const { username } = await h.register('acme', 'node-1')
  const call = (topics: Array<{ topic: string; qos: number }>) =>
    h.call(
      '/vernemq/auth_on_subscribe',
      { ...verne.auth_on_subscribe, username, client_id: CLIENT, topics },
      hookHeader(h.secret, 'auth_on_subscribe'),
    )
  const own = [
    { topic: 'amt/v1/acme/node-1/desired', qos: 1 },
    { topic: 'amt/v1/acme/node-1/secret/res', qos: 1 },
  ]
  t.deepEqual((await call(own)).json, verne.ok)
  const mixed = await call([...own, { topic: '#', qos: 0 }, { topic: 'amt/v1/acme/node-2/desired', qos: 2 }])
  t.deepEqual(mixed.json, {
    result: 'ok',
    topics: [...own, { topic: '#', qos: 128 }, { topic: 'amt/v1/acme/node-2/desired', qos: 128 }],
  })
})

test('auth_on_subscribe_m5: refused filters come back as 135 (not authorized) in the modifiers', async (t) => {
  const h = await startBrokerAuthApi(t, {
    integrators: [{ username: 'dash', password: 'dash-password-1', role: 'integrator', tenantId: 'acme' }],
  })
  const topics = [
    { topic: 'amt/v1/acme/+/status', qos: 1 },
    { topic: 'amt/v1/acme/#', qos: 1 },
  ]
  const answer = await h.call(
    '/vernemq/auth_on_subscribe_m5',
    { ...verne.auth_on_subscribe_m5, username: 'dash', client_id: 'dash', topics },
    hookHeader(h.secret, 'auth_on_subscribe_m5'),
  )
  t.deepEqual(answer.json, {
    result: 'ok',
    modifiers: { topics: [topics[0], { topic: 'amt/v1/acme/#', qos: 135 }] },
  })
})

test('rollout progress: the tenant integrator subscribes to its own, a device neither subscribes nor publishes', async (t) => {
  const h = await startBrokerAuthApi(t, {
    integrators: [{ username: 'dash', password: 'dash-password-1', role: 'integrator', tenantId: 'acme' }],
  })
  const { username } = await h.register('acme', 'node-1')
  const subscribe = (user: string, client: string, topics: Array<{ topic: string; qos: number }>) =>
    h.call(
      '/vernemq/auth_on_subscribe',
      { ...verne.auth_on_subscribe, username: user, client_id: client, topics },
      hookHeader(h.secret, 'auth_on_subscribe'),
    )
  const own = { topic: 'amt/v1/acme/_rollouts/+/progress', qos: 1 }
  const other = { topic: 'amt/v1/other/_rollouts/+/progress', qos: 1 }
  t.deepEqual((await subscribe('dash', 'dash', [own, other])).json, {
    result: 'ok',
    topics: [own, { ...other, qos: 128 }],
  })
  t.deepEqual((await subscribe(username, CLIENT, [own])).json, { result: 'ok', topics: [{ ...own, qos: 128 }] })
  const publish = await h.call(
    '/vernemq/auth_on_publish',
    { ...verne.auth_on_publish, username, client_id: CLIENT, topic: 'amt/v1/acme/_rollouts/r-1/progress' },
    hookHeader(h.secret, 'auth_on_publish'),
  )
  t.deepEqual(publish.json, verne.notAllowed)
})

test('a hook at the wrong endpoint or a body VerneMQ never sends is a 400 not_allowed', async (t) => {
  const h = await startBrokerAuthApi(t)
  const misrouted = await h.call(
    '/vernemq/auth_on_register',
    verne.auth_on_register,
    hookHeader(h.secret, 'on_publish'),
  )
  t.is(misrouted.status, 400)
  t.like(misrouted.json, { ...verne.notAllowed, code: 'VALIDATION_FAILED' })
  const noTopics = await h.call(
    '/vernemq/auth_on_subscribe',
    { ...verne.auth_on_subscribe, topics: [] },
    hookHeader(h.secret, 'auth_on_subscribe'),
  )
  t.is(noTopics.status, 400)
  t.like(noTopics.json, { ...verne.notAllowed, code: 'VALIDATION_FAILED' })
  const notJson = await h.call('/vernemq/auth_on_publish', 'topic=a/b', {
    ...hookHeader(h.secret, 'auth_on_publish'),
    'content-type': 'application/json',
  })
  t.is(notJson.status, 400)
  t.like(notJson.json, { ...verne.notAllowed, code: 'MALFORMED_JSON' })
})

import test from 'ava'
import { agentClientId } from '../../../schemas/principals.ts'
import { subscriptionPlan } from '../../../manager/bus/subscription-plan.ts'
import { brokerFixture, fillTemplate, startBrokerAuthApi } from './broker-auth-harness.ts'

/** The EMQX 5 HTTP authenticator and authorizer contract: requests filled from the documented body templates. */
interface EmqxFixture {
  authnBody: Record<string, string>
  authzBody: Record<string, string>
  allowed: object
  denied: object
  authzAllowed: object
  authzDenied: object
}

const emqx = await brokerFixture<EmqxFixture>('emqx')
const agent = (tenantId: string, hostId: string) => agentClientId({ tenantId, hostId })
const authn = (values: Record<string, string>) => fillTemplate(emqx.authnBody, values)
const authz = (username: string, action: string, topic: string) =>
  fillTemplate(emqx.authzBody, { clientid: 'client', username, action, topic })

test('authn: a registered device with its password is allowed, never as a superuser', async (t) => {
  const h = await startBrokerAuthApi(t)
  const login = await h.register('acme', 'node-1')
  const answer = await h.call('/emqx/authn', authn({ ...login, clientid: agent('acme', 'node-1') }))
  t.is(answer.status, 200)
  t.regex(answer.headers.get('content-type') ?? '', /^application\/json/)
  t.deepEqual(answer.json, emqx.allowed)
})

test('authn: a wrong password, an unknown user and a foreign client id get the same deny', async (t) => {
  const h = await startBrokerAuthApi(t)
  const login = await h.register('acme', 'node-1')
  const attempts = [
    { ...login, password: `${login.password}x`, clientid: agent('acme', 'node-1') },
    { username: 'ghost@acme', password: login.password, clientid: agent('acme', 'ghost') },
    { username: 'somebody', password: 'guess', clientid: 'somebody' },
    { ...login, clientid: agent('acme', 'node-2') },
    { ...login, password: '', clientid: agent('acme', 'node-1') },
  ]
  for (const values of attempts) {
    const answer = await h.call('/emqx/authn', authn(values))
    t.is(answer.status, 200)
    t.deepEqual(answer.json, emqx.denied, values.username)
  }
  t.false(h.logs().includes(login.password), 'no password in the log')
  t.true(h.logs().includes('"reason":"bad-credentials"'))
  t.true(h.logs().includes('"reason":"client-id-not-allowed"'))
})

test('authz: a device publishes its own agent leaves only, and reads its desired only', async (t) => {
  const h = await startBrokerAuthApi(t)
  const { username } = await h.register('acme', 'node-1')
  await h.register('acme', 'node-2')
  const cases: Array<[string, string, object]> = [
    ['publish', 'amt/v1/acme/node-1/state', emqx.authzAllowed],
    ['publish', 'amt/v1/acme/node-1/secret/req', emqx.authzAllowed],
    ['publish', 'amt/v1/acme/node-2/state', emqx.authzDenied],
    ['publish', 'amt/v1/other/node-1/state', emqx.authzDenied],
    ['publish', 'amt/v1/acme/node-1/desired', emqx.authzDenied],
    ['publish', '$SYS/broker/uptime', emqx.authzDenied],
    ['subscribe', 'amt/v1/acme/node-1/desired', emqx.authzAllowed],
    ['subscribe', 'amt/v1/acme/node-1/secret/res', emqx.authzAllowed],
    ['subscribe', '#', emqx.authzDenied],
    ['subscribe', 'amt/v1/acme/node-2/desired', emqx.authzDenied],
    // Readable leaves only: EMQX checks no delivery, so a filter that also matches `state` would deliver it.
    ['subscribe', 'amt/v1/acme/node-1/#', emqx.authzDenied],
  ]
  for (const [action, topic, expected] of cases) {
    const answer = await h.call('/emqx/authz', authz(username, action, topic))
    t.is(answer.status, 200)
    t.deepEqual(answer.json, expected, `${action} ${topic}`)
  }
})

test('authz: an integrator reads its tenant with filters of readable leaves and publishes nothing', async (t) => {
  const integrators = [{ username: 'dash', password: 'dash-password-1', role: 'integrator' as const, tenantId: 'acme' }]
  const h = await startBrokerAuthApi(t, { integrators })
  const login = await h.call(
    '/emqx/authn',
    authn({ username: 'dash', password: 'dash-password-1', clientid: 'dash:1' }),
  )
  t.deepEqual(login.json, emqx.allowed)
  const cases: Array<[string, string, object]> = [
    ['subscribe', 'amt/v1/acme/+/status', emqx.authzAllowed],
    ['subscribe', 'amt/v1/acme/node-1/presence', emqx.authzAllowed],
    ['subscribe', 'amt/v1/acme/#', emqx.authzDenied],
    ['subscribe', 'amt/v1/acme/+/desired', emqx.authzDenied],
    ['subscribe', 'amt/v1/other/+/status', emqx.authzDenied],
    ['publish', 'amt/v1/acme/node-1/status', emqx.authzDenied],
    // Rollout progress (tenant level): its own tenant's by name, never another's, never published.
    ['subscribe', 'amt/v1/acme/_rollouts/+/progress', emqx.authzAllowed],
    ['subscribe', 'amt/v1/other/_rollouts/+/progress', emqx.authzDenied],
    ['subscribe', 'amt/v1/+/_rollouts/+/progress', emqx.authzDenied],
    ['publish', 'amt/v1/acme/_rollouts/r-1/progress', emqx.authzDenied],
  ]
  for (const [action, topic, expected] of cases) {
    const answer = await h.call('/emqx/authz', authz('dash', action, topic))
    t.deepEqual(answer.json, expected, `${action} ${topic}`)
  }
  t.deepEqual(
    (await h.call('/emqx/authz', authz('nobody', 'subscribe', 'amt/v1/acme/+/status'))).json,
    emqx.authzDenied,
  )
})

test("the manager's own login to the broker is allowed as the manager", async (t) => {
  const manager = { username: 'amt-manager', password: 'manager-broker-password' }
  const h = await startBrokerAuthApi(t, { manager })
  const answer = await h.call('/emqx/authn', authn({ ...manager, clientid: 'amt-manager' }))
  t.deepEqual(answer.json, emqx.allowed)
  const subscribe = await h.call('/emqx/authz', authz('amt-manager', 'subscribe', 'amt/v1/+/+/state'))
  t.deepEqual(subscribe.json, emqx.authzAllowed)
  const publish = await h.call('/emqx/authz', authz('amt-manager', 'publish', 'amt/v1/acme/node-1/desired'))
  const progress = await h.call('/emqx/authz', authz('amt-manager', 'publish', 'amt/v1/acme/_rollouts/r-1/progress'))
  t.deepEqual(progress.json, emqx.authzAllowed, 'the manager publishes rollout progress')
  t.deepEqual(publish.json, emqx.authzAllowed)
  // Every subscription of a single manager and of a replica in a shared group (broker.external.sharedGroup).
  const single = subscriptionPlan({ probeInstance: 'amt-manager' })
  const replica = subscriptionPlan({ sharedGroup: 'amt-managers', probeInstance: 'replica-1' })
  const filters = [single, replica].flatMap((plan) => [
    ...[...plan.live, ...plan.probe].map(({ filter }) => filter),
    ...plan.catchUp,
  ])
  for (const filter of filters) {
    const answer = await h.call('/emqx/authz', authz('amt-manager', 'subscribe', filter))
    t.deepEqual(answer.json, emqx.authzAllowed, filter)
  }
})

test('a malformed request is a 400 that denies, naming what is wrong and never echoing a value', async (t) => {
  const h = await startBrokerAuthApi(t)
  const auth = { authorization: `Bearer ${h.secret}` }
  const notJson = await h.call('/emqx/authn', '{"username": "node-1@acme", "password": ', auth)
  t.is(notJson.status, 400)
  t.like(notJson.json, { result: 'deny', code: 'MALFORMED_JSON' })
  const noClientId = await h.call('/emqx/authn', { username: 'node-1@acme', password: 'secret-value-123' })
  t.is(noClientId.status, 400)
  t.like(noClientId.json, { result: 'deny', code: 'VALIDATION_FAILED' })
  t.regex(String(noClientId.json.message), /clientid/)
  t.false(noClientId.text.includes('secret-value-123'))
  const unknownAction = await h.call('/emqx/authz', authz('node-1@acme', 'all', 'amt/v1/acme/node-1/state'))
  t.is(unknownAction.status, 400)
  t.like(unknownAction.json, { result: 'deny', code: 'VALIDATION_FAILED' })
  const array = await h.call('/emqx/authz', [1, 2, 3])
  t.like(array.json, { result: 'deny', code: 'VALIDATION_FAILED' })
})

import test from 'ava'
import { startApi } from './api-harness.ts'
import { startBrokerAuthApi } from './broker-auth-harness.ts'

const LOGIN = { username: 'node-1@acme', password: 'x', clientid: 'amt-agent:acme:node-1' }
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

test('off by default: the broker-auth routes do not exist', async (t) => {
  const api = await startApi(t)
  for (const path of ['/broker-auth/v1/emqx/authn', '/broker-auth/v1/vernemq/auth_on_register']) {
    const answer = await api.request('POST', path, { body: LOGIN })
    t.is(answer.status, 404, path)
    t.is(answer.json.code, 'ROUTE_NOT_FOUND')
  }
})

test('without the shared secret, or with a wrong one, every route answers 401', async (t) => {
  const h = await startBrokerAuthApi(t)
  const wrong: Array<Record<string, string>> = [
    {},
    { authorization: `Bearer ${h.secret.slice(1)}` },
    { authorization: `Bearer ${h.secret}x` },
    { authorization: basic('vernemq', 'nope') },
    { authorization: `Token ${h.secret}` },
  ]
  for (const path of ['/emqx/authn', '/emqx/authz', '/vernemq/auth_on_register', '/vernemq/auth_on_publish_m5']) {
    for (const headers of wrong) {
      const answer = await h.call(path, LOGIN, headers)
      t.is(answer.status, 401, path)
      t.is(answer.json.code, 'UNAUTHENTICATED')
      t.regex(String(answer.json.message), /shared secret/)
    }
  }
  t.false(h.logs().includes(h.secret), 'the secret is never logged')
})

test('the secret is accepted as a Bearer token or as the password of HTTP Basic (VerneMQ URL userinfo)', async (t) => {
  const h = await startBrokerAuthApi(t)
  const bearer = await h.call('/emqx/authn', LOGIN, { authorization: `bearer ${h.secret}` })
  const basicAuth = await h.call('/emqx/authn', LOGIN, { authorization: basic('vernemq', h.secret) })
  for (const answer of [bearer, basicAuth]) {
    t.is(answer.status, 200)
    t.deepEqual(answer.json, { result: 'deny', is_superuser: false })
  }
})

test('a caller outside api.brokerAuth.allowedSources is refused with 403 before the secret is looked at', async (t) => {
  const outside = await startBrokerAuthApi(t, { allowedSources: ['10.0.0.0/8', 'fd00::/8'] })
  const refused = await outside.call('/emqx/authn', LOGIN)
  t.is(refused.status, 403)
  t.is(refused.json.code, 'FORBIDDEN')
  t.regex(String(refused.json.message), /allowedSources/)
  const inside = await startBrokerAuthApi(t, { allowedSources: ['10.0.0.0/8', '127.0.0.0/8'] })
  t.is((await inside.call('/emqx/authn', LOGIN)).status, 200)
  t.is((await inside.call('/emqx/authn', LOGIN, {})).status, 401)
})

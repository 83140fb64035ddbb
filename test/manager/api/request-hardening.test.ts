import { Writable } from 'node:stream'
import test from 'ava'
import { seed, startApi } from './api-harness.ts'

/** A log destination that keeps every line the API writes. */
function logSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

test('no token or password a client sends, wherever it puts it, reaches the request log', async (t) => {
  const logs = logSink()
  const api = await startApi(t, { logDestination: logs.stream })
  await seed(api.inventory, { acme: ['node-1'] })
  const token = await api.token('operator', 'acme')
  const admin = await api.token('admin', '*')
  const secrets = {
    query: 'amt_querysecret0000000000000001',
    queryPassword: 'pw-query-secret-0000002',
    header: 'amt_headersecret000000000000003',
    basic: 'pw-basic-secret-0000004',
    body: 'pw-body-secret-0000005',
    path: 'amt_pathsecret00000000000000006',
    fragmentQuery: 'amt_knownroutequery000000000007',
  }
  const basic = Buffer.from(`admin:${secrets.basic}`).toString('base64')
  const answers = [
    await api.request('GET', `/api/v1/hosts?token=${secrets.query}&password=${secrets.queryPassword}`),
    await api.request('GET', '/api/v1/hosts', { headers: { 'x-token': secrets.header, 'x-api-key': secrets.header } }),
    await api.request('GET', '/api/v1/hosts', { headers: { authorization: `Basic ${basic}` } }),
    await api.request('POST', '/api/v1/tenants', {
      token: admin,
      body: { tenantId: 'x', password: secrets.body, token: secrets.body, extra: 1 },
    }),
    await api.request('POST', '/api/v1/tenants', { token: admin, body: `{"password":"${secrets.body}",` }),
    await api.request('GET', `/api/v1/nothing/${secrets.path}`, { token }),
    await api.request('GET', `/api/v1/tenants/acme/hosts?token=${secrets.fragmentQuery}`, { token }),
  ]
  t.deepEqual(
    answers.map((answer) => answer.status),
    [401, 401, 401, 400, 400, 404, 400],
  )
  // An unknown query parameter is refused by its name, never its value.
  t.regex(answers[6]?.json.message as string, /"token"/)
  t.false(answers[6]?.text.includes(secrets.fragmentQuery))
  const text = logs.text()
  t.true(text.includes('"url":"/api/v1/hosts"'), 'requests are still logged, by path')
  t.true(text.includes('request refused'), 'refusals are still logged')
  t.true(text.includes('"url":"[no route]"'), 'an unknown route is logged without its path')
  for (const [place, secret] of Object.entries(secrets))
    t.false(text.includes(secret), `the ${place} secret is not logged`)
  t.false(text.includes(basic), 'the Basic credential is not logged')
  t.false(text.includes(token) || text.includes(admin), 'the bearer tokens are not logged')
})

test('a text/plain or form body answers 415 UNSUPPORTED_MEDIA_TYPE, as the catalogue documents', async (t) => {
  const api = await startApi(t)
  const token = await api.token('admin', '*')
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
    const answer = await api.request('POST', '/api/v1/tenants', {
      token,
      body: 'tenantId=x',
      headers: { 'content-type': type },
    })
    t.deepEqual([answer.status, answer.json.code], [415, 'UNSUPPORTED_MEDIA_TYPE'], type)
    t.is(typeof answer.json.requestId, 'string')
  }
  const json = await api.request('POST', '/api/v1/tenants', { token, body: { tenantId: 'ok' } })
  t.is(json.status, 201, 'JSON bodies are still accepted')
})

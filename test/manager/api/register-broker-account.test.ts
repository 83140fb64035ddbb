import test from 'ava'
import { seed, startApi } from './api-harness.ts'

test('registration with an external broker pushes the device account with the password it returns', async (t) => {
  const pushed: Array<{ hostId: string; password: string }> = []
  const api = await startApi(t, {
    brokerAccounts: {
      putDevice: (key, password) => Promise.resolve(void pushed.push({ hostId: key.hostId, password })),
    },
  })
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const answer = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })
  t.is(answer.status, 201)
  t.deepEqual(pushed, [{ hostId: 'node-1', password: (answer.json.mqtt as { password: string }).password }])
})

test('a failed push undoes the registration: 503 BROKER_UNAVAILABLE, no host, no credential; a repeat succeeds', async (t) => {
  let fail = true
  const api = await startApi(t, {
    brokerAccounts: {
      putDevice: () =>
        fail
          ? Promise.reject(new Error('no answer from the dynamic-security plugin within 10000 ms'))
          : Promise.resolve(),
    },
  })
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const failed = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })
  t.like(failed, { status: 503, json: { code: 'BROKER_UNAVAILABLE' } })
  t.is(await api.inventory.getCredentialByUsername('node-1@acme'), null)
  t.is((await api.request('GET', '/api/v1/tenants/acme/hosts/node-1', { token })).status, 404)
  fail = false
  t.is((await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })).status, 201)
})

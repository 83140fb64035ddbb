import test from 'ava'
import { seedHost } from '../../helpers/manager-core.ts'
import { startPasswordApi } from './api-support.ts'
import { askAsAgent, localStore, startFakeVault, vaultStore } from './support.ts'

const URL_H1 = '/api/v1/tenants/acme/hosts/h-1/amt-password'

test('admins of the tenant read the password an activation prepared; viewers, operators and other tenants cannot', async (t) => {
  const api = await startPasswordApi(t, await localStore(t))
  await seedHost(api.inventory, 'h-1')
  await api.inventory.createTenant({ tenantId: 'beta' })
  const operator = await api.token('operator', 'acme')
  t.is(
    (
      await api.request('PATCH', '/api/v1/tenants/acme/hosts/h-1/amt', {
        token: operator,
        body: { desiredAmtState: 'PROVISIONED' },
      })
    ).status,
    200,
  )
  const agentGot = await askAsAgent(api, { tenantId: 'acme', hostId: 'h-1' })
  t.like(agentGot, { ok: true })
  const expected = agentGot?.ok ? agentGot.password : ''

  const refused: Array<[string | undefined, number, string]> = [
    [undefined, 401, 'UNAUTHENTICATED'],
    [await api.token('viewer', 'acme'), 403, 'FORBIDDEN'],
    [operator, 403, 'FORBIDDEN'],
    [await api.token('operator', '*'), 403, 'FORBIDDEN'],
    [await api.token('admin', 'beta'), 404, 'TENANT_NOT_FOUND'],
  ]
  for (const [token, status, code] of refused) {
    const answer = await api.request('GET', URL_H1, token === undefined ? {} : { token })
    t.deepEqual([answer.status, answer.json.code], [status, code])
    t.false(answer.text.includes(expected))
  }

  for (const [role, tenant, name] of [
    ['admin', 'acme', 'acme-admin'],
    ['admin', '*', 'root'],
  ] as const) {
    const answer = await api.request('GET', URL_H1, { token: await api.token(role, tenant, name) })
    t.is(answer.status, 200)
    t.is(answer.headers.get('cache-control'), 'no-store')
    t.like(answer.json, { tenantId: 'acme', hostId: 'h-1', amtPassword: expected, origin: 'host' })
    t.is(typeof answer.json.mebxPassword, 'string')
  }
  const reads = (await api.inventory.listAudit('acme', { hostId: 'h-1' })).filter(
    (event) => event.kind === 'password.read',
  )
  t.deepEqual(
    reads.map(({ actor, hostId, detail }) => ({ actor, hostId, detail })),
    [
      { actor: 'api:root', hostId: 'h-1', detail: { origin: 'host' } },
      { actor: 'api:acme-admin', hostId: 'h-1', detail: { origin: 'host' } },
    ],
  )
  t.false(
    JSON.stringify(await api.inventory.listAudit('acme')).includes(expected),
    'the audit trail never holds the password',
  )
})

test('static policy through the API: the tenant password, origin tenant', async (t) => {
  const api = await startPasswordApi(t, await localStore(t), {
    passwords: { static: { acme: { amtPassword: 'Tenant!Passw0rd' } } },
  })
  await api.inventory.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  await seedHost(api.inventory, 'h-1')
  const admin = await api.token('admin', 'acme')
  t.is(
    (
      await api.request('PATCH', '/api/v1/tenants/acme/hosts/h-1/amt', {
        token: admin,
        body: { desiredAmtState: 'PROVISIONED' },
      })
    ).status,
    200,
  )
  t.like((await api.request('GET', URL_H1, { token: admin })).json, {
    amtPassword: 'Tenant!Passw0rd',
    mebxPassword: null,
    origin: 'tenant',
  })
})

test('unknown host, no stored password, no secret store: clear codes and no audit row', async (t) => {
  const api = await startPasswordApi(t, await localStore(t))
  await seedHost(api.inventory, 'h-1')
  const admin = await api.token('admin', 'acme')
  t.like((await api.request('GET', '/api/v1/tenants/acme/hosts/h-9/amt-password', { token: admin })).json, {
    code: 'HOST_NOT_FOUND',
  })
  const none = await api.request('GET', URL_H1, { token: admin })
  t.deepEqual([none.status, none.json.code], [404, 'PASSWORD_NOT_FOUND'])
  t.like(
    (await api.request('GET', '/api/v1/tenants/nope/hosts/h-1/amt-password', { token: await api.token('admin', '*') }))
      .json,
    { code: 'TENANT_NOT_FOUND' },
  )
  t.false((await api.inventory.listAudit('acme')).some((event) => event.kind === 'password.read'))

  const bare = await startPasswordApi(t, undefined)
  await seedHost(bare.inventory, 'h-1')
  const answer = await bare.request('GET', URL_H1, { token: await bare.token('admin', 'acme') })
  t.deepEqual([answer.status, answer.json.code], [501, 'SECRET_STORE_NOT_CONFIGURED'])
})

test('Vault sealed: 503 SECRET_STORE_UNAVAILABLE with the store code, no audit row; readable again once unsealed', async (t) => {
  const vault = await startFakeVault(t)
  const token = vault.issueToken()
  const store = vaultStore(t, vault, { auth: { method: 'token', token }, retries: 0 })
  const api = await startPasswordApi(t, store)
  await seedHost(api.inventory, 'h-1')
  await store.putAmtPassword({ tenantId: 'acme', hostId: 'h-1' }, { password: 'Host!Passw0rd1' })
  const admin = await api.token('admin', 'acme')
  await vault.setFault({ kind: 'sealed' })
  const failed = await api.request('GET', URL_H1, { token: admin })
  t.deepEqual(
    [failed.status, failed.json.code, failed.json.details],
    [503, 'SECRET_STORE_UNAVAILABLE', { cause: 'SECRET_STORE_UNAVAILABLE' }],
  )
  t.regex(String(failed.json.message), /sealed/)
  t.false(failed.text.includes(token))
  t.is((await api.inventory.listAudit('acme')).filter((event) => event.kind === 'password.read').length, 0)
  await vault.setFault(null)
  t.like((await api.request('GET', URL_H1, { token: admin })).json, { amtPassword: 'Host!Passw0rd1' })
})

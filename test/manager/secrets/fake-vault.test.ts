import test from 'ava'
import { startFakeVault } from './support.ts'

/** The stand-in answers as Vault does (raw HTTP, no client library): shapes, codes and error bodies. */

async function call(
  url: string,
  method: string,
  path: string,
  { token, body }: { token?: string; body?: unknown } = {},
) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { 'x-vault-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined }
}

test('KV v2: write answers version metadata, read answers data.data + data.metadata, missing is 404 {"errors":[]}', async (t) => {
  const vault = await startFakeVault(t)
  const token = vault.issueToken()
  const path = '/v1/secret/data/amt/acme/hosts/h-1'
  t.deepEqual(await call(vault.url, 'GET', path, { token }), { status: 404, body: { errors: [] } })
  const written = await call(vault.url, 'POST', path, { token, body: { data: { password: 'x' } } })
  t.is(written.status, 200)
  t.like(written.body, { data: { version: 1, destroyed: false, deletion_time: '' }, auth: null, lease_duration: 0 })
  const read = await call(vault.url, 'GET', path, { token })
  t.like(read.body, { data: { data: { password: 'x' }, metadata: { version: 1 } } })
  t.deepEqual(await call(vault.url, 'PUT', path, { token, body: { data: { password: 'y' }, options: { cas: 0 } } }), {
    status: 400,
    body: { errors: ['check-and-set parameter did not match the current version'] },
  })
  t.deepEqual(await call(vault.url, 'POST', path, { token, body: { password: 'no-data-wrapper' } }), {
    status: 400,
    body: { errors: ['no data provided'] },
  })
  t.deepEqual(await call(vault.url, 'DELETE', path, { token }), { status: 204, body: undefined })
  const deleted = await call(vault.url, 'GET', path, { token })
  t.is(deleted.status, 404)
  t.like(deleted.body, { data: { data: null, metadata: { version: 1 } } })
  t.is((await call(vault.url, 'DELETE', '/v1/secret/metadata/amt/acme/hosts/h-1', { token })).status, 204)
  t.deepEqual(await call(vault.url, 'GET', path, { token }), { status: 404, body: { errors: [] } })
})

test('KV v2 versions: metadata, ?version=N, delete/undelete/destroy of versions, max_versions of mount and path', async (t) => {
  const vault = await startFakeVault(t)
  const token = vault.issueToken()
  const data = '/v1/secret/data/amt/acme/hosts/h-1'
  const metadata = '/v1/secret/metadata/amt/acme/hosts/h-1'
  t.deepEqual(await call(vault.url, 'GET', metadata, { token }), { status: 404, body: { errors: [] } })
  for (const n of [1, 2, 3]) await call(vault.url, 'POST', data, { token, body: { data: { password: `p${n}` } } })
  const meta = await call(vault.url, 'GET', metadata, { token })
  t.like(meta.body, { data: { current_version: 3, oldest_version: 1, max_versions: 0, cas_required: false } })
  const versions = (meta.body?.data as { versions: Record<string, unknown> }).versions
  t.deepEqual(Object.keys(versions), ['1', '2', '3'])
  t.like(versions['2'], { deletion_time: '', destroyed: false })
  t.like(await call(vault.url, 'GET', `${data}?version=2`, { token }), {
    status: 200,
    body: { data: { data: { password: 'p2' }, metadata: { version: 2 } } },
  })
  const versionsBody = { versions: [2] }
  t.is(
    (await call(vault.url, 'POST', '/v1/secret/delete/amt/acme/hosts/h-1', { token, body: versionsBody })).status,
    204,
  )
  t.like(await call(vault.url, 'GET', `${data}?version=2`, { token }), { status: 404, body: { data: { data: null } } })
  await call(vault.url, 'POST', '/v1/secret/undelete/amt/acme/hosts/h-1', { token, body: versionsBody })
  t.is((await call(vault.url, 'GET', `${data}?version=2`, { token })).status, 200)
  t.is(
    (await call(vault.url, 'PUT', '/v1/secret/destroy/amt/acme/hosts/h-1', { token, body: { versions: [1] } })).status,
    204,
  )
  t.like(await call(vault.url, 'GET', `${data}?version=1`, { token }), {
    status: 404,
    body: { data: { data: null, metadata: { destroyed: true } } },
  })
  t.deepEqual(await call(vault.url, 'GET', `${data}?version=9`, { token }), { status: 404, body: { errors: [] } })
  t.is((await call(vault.url, 'POST', '/v1/secret/config', { token, body: { max_versions: 2 } })).status, 204)
  await call(vault.url, 'POST', data, { token, body: { data: { password: 'p4' } } })
  t.like((await call(vault.url, 'GET', metadata, { token })).body, { data: { current_version: 4, oldest_version: 3 } })
  t.is((await call(vault.url, 'POST', metadata, { token, body: { max_versions: 1 } })).status, 204)
  const cut = await call(vault.url, 'GET', metadata, { token })
  t.like(cut.body, { data: { current_version: 4, oldest_version: 4, max_versions: 1 } })
  t.deepEqual(Object.keys((cut.body?.data as { versions: object }).versions), ['4'])
})

test('auth: 403 permission denied without, with an unknown or an expired token; unknown routes 404 with a reason', async (t) => {
  const vault = await startFakeVault(t)
  const path = '/v1/secret/data/amt/acme/tenant'
  const denied = { status: 403, body: { errors: ['permission denied'] } }
  t.deepEqual(await call(vault.url, 'GET', path), denied)
  t.deepEqual(await call(vault.url, 'GET', path, { token: 'hvs.unknown' }), denied)
  const token = vault.issueToken({ ttlSeconds: 30 })
  vault.auth.expireAll()
  t.deepEqual(await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token }), denied)
  const live = vault.issueToken()
  t.deepEqual(await call(vault.url, 'GET', '/v1/other/data/x', { token: live }), {
    status: 404,
    body: { errors: ['no handler for route "other/data/x". route entry not found.'] },
  })
})

test('logins answer auth.client_token / lease_duration / renewable; renew-self and lookup-self as Vault', async (t) => {
  const vault = await startFakeVault(t, {
    approle: { roleId: 'r', secretId: 's', ttlSeconds: 120 },
    kubernetes: { role: 'k', jwt: 'j' },
  })
  t.deepEqual(await call(vault.url, 'POST', '/v1/auth/approle/login', { body: { secret_id: 's' } }), {
    status: 400,
    body: { errors: ['missing role_id'] },
  })
  t.deepEqual(await call(vault.url, 'POST', '/v1/auth/approle/login', { body: { role_id: 'r', secret_id: 'bad' } }), {
    status: 400,
    body: { errors: ['invalid role or secret ID'] },
  })
  t.deepEqual(await call(vault.url, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'nope', jwt: 'j' } }), {
    status: 400,
    body: { errors: ['invalid role name "nope"'] },
  })
  t.deepEqual(await call(vault.url, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'k', jwt: 'stolen' } }), {
    status: 403,
    body: { errors: ['permission denied'] },
  })
  const login = await call(vault.url, 'POST', '/v1/auth/approle/login', { body: { role_id: 'r', secret_id: 's' } })
  t.like(login, {
    status: 200,
    body: { data: null, auth: { lease_duration: 120, renewable: true, token_type: 'service' } },
  })
  const token = (login.body?.auth as { client_token: string }).client_token
  t.like(await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token }), {
    status: 200,
    body: { data: { id: token, ttl: 120, renewable: true, path: 'auth/approle/login' } },
  })
  t.like(await call(vault.url, 'POST', '/v1/auth/token/renew-self', { token, body: { increment: 300 } }), {
    status: 200,
    body: { auth: { client_token: token, lease_duration: 300 } },
  })
  const root = vault.issueToken()
  t.deepEqual(await call(vault.url, 'POST', '/v1/auth/token/renew-self', { token: root }), {
    status: 400,
    body: { errors: ['lease is not renewable'] },
  })
  t.like(await call(vault.url, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'k', jwt: 'j' } }), {
    status: 200,
    body: { auth: { renewable: true } },
  })
})

test('faults: sealed is 503 "Vault is sealed"; status faults count down; down drops and refuses connections', async (t) => {
  const vault = await startFakeVault(t)
  const token = vault.issueToken()
  await vault.setFault({ kind: 'sealed' })
  t.deepEqual(await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token }), {
    status: 503,
    body: { errors: ['Vault is sealed'] },
  })
  await vault.setFault({ kind: 'status', status: 502, times: 1 })
  t.is((await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token })).status, 502)
  t.is((await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token })).status, 200)
  await vault.setFault({ kind: 'down' })
  await t.throwsAsync(call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token }), { message: 'fetch failed' })
  await vault.setFault(null)
  t.is((await call(vault.url, 'GET', '/v1/auth/token/lookup-self', { token })).status, 200)
})

test('sys/health?standbyok=true answers without a token as RPS and MPS poll it: 200 active, 503 sealed', async (t) => {
  const vault = await startFakeVault(t)
  const healthy = await call(vault.url, 'GET', '/v1/sys/health?standbyok=true')
  t.is(healthy.status, 200)
  t.like(healthy.body, { initialized: true, sealed: false, standby: false })
  t.is(typeof healthy.body?.version, 'string')
  t.is((await fetch(`${vault.url}/v1/sys/health?standbyok=true`, { method: 'HEAD' })).status, 200)
  await vault.setFault({ kind: 'sealed' })
  t.like(await call(vault.url, 'GET', '/v1/sys/health?standbyok=true'), {
    status: 503,
    body: { initialized: true, sealed: true },
  })
  t.is((await call(vault.url, 'GET', '/v1/sys/health?standbyok=true&sealedcode=200')).status, 200)
})

import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { ManualSchedule, startFakeVault, tempDir, vaultStore } from './support.ts'

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const SECRET = { password: 'Aa1!aaaaaaaa' }
const APPROLE = { roleId: 'role-1', secretId: 'secret-id-value-1' }

test('token auth: the configured token is looked up once, then used for every call', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { auth: { method: 'token', token: vault.issueToken() } })
  await Promise.all([
    store.putAmtPassword(KEY, SECRET),
    store.getTenantPassword('acme'),
    store.getAmtPassword({ ...KEY, hostId: 'h-2' }),
  ])
  t.is(vault.count('GET', '/v1/auth/token/lookup-self'), 1)
  t.deepEqual(await store.getAmtPassword(KEY), SECRET)
})

test('token auth: an invalid token is SECRET_STORE_AUTH_FAILED at once (nothing to retry, nothing echoed)', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { auth: { method: 'token', token: 'hvs.not-a-token' } })
  const err = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  t.is(err?.code, 'SECRET_STORE_AUTH_FAILED')
  t.false(err?.message.includes('hvs.') ?? true)
  t.is(vault.count('GET', '/v1/auth/token/lookup-self'), 1)
})

test('token auth: a renewable token is renewed with renew-self at 2/3 of its TTL, and again after', async (t) => {
  const vault = await startFakeVault(t)
  const timers = new ManualSchedule()
  const token = vault.issueToken({ ttlSeconds: 90, renewable: true })
  const store = vaultStore(t, vault, { auth: { method: 'token', token }, schedule: timers.schedule })
  await store.getAmtPassword(KEY)
  t.deepEqual(
    timers.live().map((entry) => entry.ms),
    [60_000],
  )
  timers.fire()
  await vault.nextRequest((request) => request.path === '/v1/auth/token/renew-self')
  await store.session.renew() // a second renewal, awaited, so the first has surely finished too
  t.is(vault.auth.tokens.get(token)?.renewals, 2)
  t.deepEqual(
    timers.live().map((entry) => entry.ms),
    [60_000],
  )
})

test('token auth: an expired configured token cannot be replaced: AUTH_FAILED, the renewal only warns', async (t) => {
  const vault = await startFakeVault(t)
  const timers = new ManualSchedule()
  const store = vaultStore(t, vault, {
    auth: { method: 'token', token: vault.issueToken({ ttlSeconds: 30 }) },
    schedule: timers.schedule,
  })
  await store.getAmtPassword(KEY)
  vault.auth.expireAll()
  await store.session.renew()
  t.is(
    (await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError }))?.code,
    'SECRET_STORE_AUTH_FAILED',
  )
  t.is(vault.auth.logins.length, 0)
})

test('AppRole: logs in on first use (one login for concurrent calls) and uses the granted token', async (t) => {
  const vault = await startFakeVault(t, { approle: APPROLE })
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...APPROLE } })
  await Promise.all([
    store.putAmtPassword(KEY, SECRET),
    store.getTenantPassword('acme'),
    store.getTenantPassword('beta'),
  ])
  t.deepEqual(vault.auth.logins, ['approle'])
  const kvTokens = new Set(vault.requests.filter((r) => r.path.startsWith('/v1/secret/')).map((r) => r.token))
  t.is(kvTokens.size, 1)
  t.true(vault.auth.tokens.get([...kvTokens][0] ?? '')?.path === 'auth/approle/login')
})

test('AppRole: a wrong secret id is SECRET_STORE_AUTH_FAILED without the secret id in the error', async (t) => {
  const vault = await startFakeVault(t, { approle: APPROLE })
  const store = vaultStore(t, vault, {
    auth: { method: 'approle', roleId: APPROLE.roleId, secretId: 'wrong-secret-id' },
  })
  const err = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  t.like(err, { code: 'SECRET_STORE_AUTH_FAILED', details: { operation: 'login', status: 400 } })
  t.false(JSON.stringify({ message: err?.message, details: err?.details }).includes('wrong-secret-id'))
})

test('AppRole: renewal at 2/3 of the lease; a failed renewal (expired token) logs in again', async (t) => {
  const vault = await startFakeVault(t, { approle: { ...APPROLE, ttlSeconds: 60 } })
  const timers = new ManualSchedule()
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...APPROLE }, schedule: timers.schedule })
  await store.getAmtPassword(KEY)
  t.deepEqual(
    timers.live().map((entry) => entry.ms),
    [40_000],
  )
  await store.session.renew()
  t.is(vault.count('POST', '/v1/auth/token/renew-self'), 1)
  vault.auth.expireAll()
  await store.session.renew()
  t.deepEqual(vault.auth.logins, ['approle', 'approle'])
  await store.putAmtPassword(KEY, SECRET)
  const lastKv = vault.requests.filter((r) => r.path.startsWith('/v1/secret/')).at(-1)
  t.truthy(vault.auth.valid(lastKv?.token), 'the new token is used')
  t.is(timers.live().length, 1, 'one timer for the new token')
})

test('AppRole: a token that expired between renewals is replaced on the 403 and the call succeeds', async (t) => {
  const vault = await startFakeVault(t, { approle: APPROLE })
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...APPROLE } })
  await store.putAmtPassword(KEY, SECRET)
  vault.auth.expireAll()
  t.deepEqual(await store.getAmtPassword(KEY), SECRET)
  t.deepEqual(vault.auth.logins, ['approle', 'approle'])
  const reads = vault.requests.filter((r) => r.method === 'GET' && r.path === '/v1/secret/data/amt/acme/hosts/h-1')
  t.is(reads.length, 2)
  t.not(reads[0]?.token, reads[1]?.token)
})

test('AppRole: concurrent calls refused with the same expired token share one new login', async (t) => {
  const vault = await startFakeVault(t, { approle: APPROLE })
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...APPROLE } })
  await store.putAmtPassword(KEY, SECRET)
  vault.auth.expireAll()
  const reads = await Promise.all(Array.from({ length: 5 }, () => store.getAmtPassword(KEY)))
  t.true(reads.every((read) => read?.password === SECRET.password))
  t.deepEqual(vault.auth.logins, ['approle', 'approle'])
})

test('AppRole: a non-renewable token is replaced by a new login at 2/3 of its lease', async (t) => {
  const vault = await startFakeVault(t, { approle: { ...APPROLE, ttlSeconds: 30, renewable: false } })
  const timers = new ManualSchedule()
  const store = vaultStore(t, vault, { auth: { method: 'approle', ...APPROLE }, schedule: timers.schedule })
  await store.getAmtPassword(KEY)
  t.deepEqual(
    timers.live().map((entry) => entry.ms),
    [20_000],
  )
  timers.fire()
  await vault.nextRequest((request) => request.path === '/v1/auth/approle/login')
  await store.getAmtPassword(KEY)
  t.deepEqual(vault.auth.logins, ['approle', 'approle'])
  t.is(vault.count('POST', '/v1/auth/token/renew-self'), 0)
})

test('Kubernetes: logs in with the service-account JWT read from its file at each login (rotation)', async (t) => {
  const dir = await tempDir(t)
  const jwtFile = path.join(dir, 'token')
  await writeFile(jwtFile, 'jwt-old\n')
  const role = { role: 'amt-manager', jwt: 'jwt-old' }
  const vault = await startFakeVault(t, { kubernetes: role })
  const store = vaultStore(t, vault, { auth: { method: 'kubernetes', role: 'amt-manager', jwtFile } })
  await store.putAmtPassword(KEY, SECRET)
  t.deepEqual(vault.auth.logins, ['kubernetes'])
  role.jwt = 'jwt-new'
  await writeFile(jwtFile, 'jwt-new\n')
  vault.auth.expireAll()
  t.deepEqual(await store.getAmtPassword(KEY), SECRET)
  t.deepEqual(vault.auth.logins, ['kubernetes', 'kubernetes'])
})

test('Kubernetes: a refused JWT, an unknown role and a missing JWT file are SECRET_STORE_AUTH_FAILED', async (t) => {
  const dir = await tempDir(t)
  const jwtFile = path.join(dir, 'token')
  await writeFile(jwtFile, 'jwt-stolen')
  const vault = await startFakeVault(t, { kubernetes: { role: 'amt-manager', jwt: 'jwt-real' } })
  const cases = [
    { role: 'amt-manager', jwtFile, status: 403 },
    { role: 'other-role', jwtFile, status: 400 },
    { role: 'amt-manager', jwtFile: path.join(dir, 'missing') },
  ]
  for (const { status, ...auth } of cases) {
    const store = vaultStore(t, vault, { auth: { method: 'kubernetes', ...auth } })
    const err = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
    t.is(err?.code, 'SECRET_STORE_AUTH_FAILED')
    t.is(err?.details.status, status)
    t.false(err?.message.includes('jwt-stolen') ?? true)
  }
})

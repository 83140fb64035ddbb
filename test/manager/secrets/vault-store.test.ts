import test from 'ava'
import { secretStoreConformance } from '../../conformance/secret-store.ts'
import { startFakeVault, vaultStore } from './support.ts'

secretStoreConformance('vault store (node-vault against the fake Vault)', async (t) =>
  vaultStore(t, await startFakeVault(t)),
)

const KEY = { tenantId: 'acme', hostId: 'h-1' }

test('vault store: KV v2 paths under the configured mount and prefix, key `password` (+ `mebxPassword`)', async (t) => {
  const vault = await startFakeVault(t, { mounts: ['kv'] })
  const store = vaultStore(t, vault, { mount: 'kv', pathPrefix: 'fleet/amt' })
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa', mebxPassword: 'Mm1!mmmmmmmm' })
  await store.putTenantPassword('acme', { password: 'Bb2#bbbbbbbb' })
  t.deepEqual(vault.kv.latest('kv/fleet/amt/acme/hosts/h-1'), {
    password: 'Aa1!aaaaaaaa',
    mebxPassword: 'Mm1!mmmmmmmm',
  })
  t.deepEqual(vault.kv.latest('kv/fleet/amt/acme/tenant'), { password: 'Bb2#bbbbbbbb' })
  t.is(vault.count('POST', '/v1/kv/data/fleet/amt/acme/hosts/h-1'), 1)
})

test('vault store: default layout secret/data/amt/<tenant>/hosts/<host>; deletion removes data and metadata', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' })
  await store.putAmtPassword(KEY, { password: 'Bb2#bbbbbbbb' })
  t.is(vault.kv.entries.get('secret/amt/acme/hosts/h-1')?.currentVersion, 2)
  await store.deleteHostSecrets(KEY)
  t.is(vault.count('DELETE', '/v1/secret/data/amt/acme/hosts/h-1'), 1)
  t.is(vault.count('DELETE', '/v1/secret/metadata/amt/acme/hosts/h-1'), 1)
  t.false(vault.kv.entries.has('secret/amt/acme/hosts/h-1'), 'every version is gone')
})

test('vault store: a mount that is not KV v2 is SECRET_STORE_REJECTED, not "missing"', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault, { mount: 'nothing-here' })
  const err = await t.throwsAsync(store.getAmtPassword(KEY))
  t.like(err, { code: 'SECRET_STORE_REJECTED', details: { status: 404 } })
})

test('vault store: every request carries the token and nothing else of the environment', async (t) => {
  const vault = await startFakeVault(t)
  const token = vault.issueToken()
  const store = vaultStore(t, vault, { auth: { method: 'token', token } })
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' })
  await store.getAmtPassword(KEY)
  t.true(vault.requests.length >= 3)
  t.true(vault.requests.every((request) => request.token === token))
})

import test from 'ava'
import { startFakeVault, vaultStore } from './support.ts'

/** The Vault adapter's versions (the port's contract is test/conformance/secret-store.ts): KV v2 as Vault keeps it. */

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const PATH = 'secret/amt/acme/hosts/h-1'
const secretN = (n: number) => ({ password: `Ver${n}!sion-pwd` })

test('vault versions: read from the metadata, then each live version with ?version=N; deleted and destroyed skipped', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  for (let n = 1; n <= 4; n++) await store.putAmtPassword(KEY, secretN(n))
  vault.kv.deleteVersions(PATH, { versions: [3] })
  vault.kv.destroyVersions(PATH, { versions: [1] })
  const reads = vault.requests.length
  const history = await store.getAmtPasswordHistory(KEY)
  t.deepEqual(
    history.map(({ version, secret }) => ({ version, secret })),
    [4, 2].map((n) => ({ version: n, secret: secretN(n) })),
  )
  t.is(history[0]?.writtenAt, vault.kv.entries.get(PATH)?.versions.get(4)?.createdTime)
  t.deepEqual(
    vault.requests.slice(reads).map(({ method, path, query }) => `${method} ${path}${query}`),
    [
      'GET /v1/secret/metadata/amt/acme/hosts/h-1',
      'GET /v1/secret/data/amt/acme/hosts/h-1?version=4',
      'GET /v1/secret/data/amt/acme/hosts/h-1?version=2',
    ],
  )
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY, { limit: 1 })).map(({ version }) => version),
    [4],
  )
})

test("vault versions: the mount's and the secret's max_versions decide how many Vault keeps", async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  vault.kv.writeConfig('secret', { max_versions: 3 })
  for (let n = 1; n <= 5; n++) await store.putAmtPassword(KEY, secretN(n))
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [5, 4, 3],
  )
  vault.kv.writeMetadata(PATH, { max_versions: 2 })
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [5, 4],
  )
})

test('vault versions: create-only over a deleted latest version writes with check-and-set on its number', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  await store.putAmtPassword(KEY, secretN(1))
  await store.putAmtPassword(KEY, secretN(2))
  vault.kv.softDelete(PATH)
  t.is(await store.getAmtPassword(KEY), null, 'nothing readable is stored')
  const candidates = [3, 4, 5, 6].map(secretN)
  const results = await Promise.all(
    candidates.map((secret) => store.putAmtPassword(KEY, secret, { onlyIfAbsent: true })),
  )
  t.is(results.filter(Boolean).length, 1, 'exactly one concurrent writer wins')
  const winner = candidates[results.indexOf(true)]
  t.deepEqual(await store.getAmtPassword(KEY), winner)
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version, secret }) => ({ version, secret })),
    [
      { version: 3, secret: winner },
      { version: 1, secret: secretN(1) },
    ],
  )
  t.false(await store.putAmtPassword(KEY, secretN(7), { onlyIfAbsent: true }), 'a readable version is kept')
})

import test, { type ExecutionContext } from 'ava'
import { SecretStoreError } from '../../manager/secrets/errors.ts'
import type { SecretStore } from '../../manager/secrets/port.ts'

/** Returns a fresh, empty store; the factory releases it (and whatever backs it) in t.teardown. */
export type SecretStoreFactory = (t: ExecutionContext) => Promise<SecretStore>

const H1 = { tenantId: 'acme', hostId: '4c4c4544-0042-3610-8052-b4c04f4e4e31' }
const H2 = { tenantId: 'acme', hostId: 'h-2' }
const OTHER = { tenantId: 'beta', hostId: H1.hostId }
const A = { password: 'Aa1!aaaaaaaa', mebxPassword: 'Mm1!mmmmmmmm' }
const B = { password: 'Bb2#bbbbbbbb' }
const C = { password: 'Cc3$cccccccc', mebxPassword: 'Nn3$nnnnnnnn' }
/** Versions kept per host by default: Vault KV v2's default max_versions, and the local store's. */
const KEPT = 10

/** The SecretStore contract (manager/secrets/port.ts), run against every adapter. */
export function secretStoreConformance(label: string, create: SecretStoreFactory): void {
  test(`${label}: nothing stored reads as null`, async (t) => {
    const store = await create(t)
    t.is(await store.getAmtPassword(H1), null)
    t.is(await store.getTenantPassword('acme'), null)
  })

  test(`${label}: a host secret is stored and read back, MEBx password optional`, async (t) => {
    const store = await create(t)
    t.true(await store.putAmtPassword(H1, A))
    t.true(await store.putAmtPassword(H2, B))
    t.deepEqual(await store.getAmtPassword(H1), A)
    t.deepEqual(await store.getAmtPassword(H2), B)
  })

  test(`${label}: put replaces; onlyIfAbsent keeps what is stored and says so`, async (t) => {
    const store = await create(t)
    t.true(await store.putAmtPassword(H1, A, { onlyIfAbsent: true }))
    t.false(await store.putAmtPassword(H1, B, { onlyIfAbsent: true }))
    t.deepEqual(await store.getAmtPassword(H1), A)
    t.true(await store.putAmtPassword(H1, B))
    t.deepEqual(await store.getAmtPassword(H1), B)
    t.true(await store.putTenantPassword('acme', A, { onlyIfAbsent: true }))
    t.false(await store.putTenantPassword('acme', B, { onlyIfAbsent: true }))
    t.deepEqual(await store.getTenantPassword('acme'), A)
  })

  test(`${label}: concurrent create-only writes: exactly one wins and is what is read`, async (t) => {
    const store = await create(t)
    const candidates = Array.from({ length: 6 }, (_, i) => ({ password: `Cc${i}!cccccccc` }))
    const results = await Promise.all(
      candidates.map((secret) => store.putAmtPassword(H1, secret, { onlyIfAbsent: true })),
    )
    t.is(results.filter(Boolean).length, 1)
    t.deepEqual(await store.getAmtPassword(H1), candidates[results.indexOf(true)])
  })

  test(`${label}: host, tenant and other tenants' secrets are separate`, async (t) => {
    const store = await create(t)
    await store.putTenantPassword('acme', A)
    await store.putAmtPassword(H1, B)
    t.is(await store.getAmtPassword(OTHER), null)
    t.is(await store.getTenantPassword('beta'), null)
    t.is(await store.getAmtPassword(H2), null)
    t.deepEqual(await store.getTenantPassword('acme'), A)
  })

  test(`${label}: deleting a host's secrets is real and idempotent; it can be created again`, async (t) => {
    const store = await create(t)
    await store.putAmtPassword(H1, A)
    await store.putAmtPassword(H1, B)
    await store.putAmtPassword(H2, B)
    await store.deleteHostSecrets(H1)
    await store.deleteHostSecrets(H1)
    await store.deleteHostSecrets({ tenantId: 'acme', hostId: 'never-stored' })
    t.is(await store.getAmtPassword(H1), null)
    t.deepEqual(await store.getAmtPassword(H2), B)
    t.true(await store.putAmtPassword(H1, A, { onlyIfAbsent: true }), 'no version is left behind')
    t.deepEqual(await store.getAmtPassword(H1), A)
  })

  test(`${label}: deleting a tenant's secrets removes its own secret, not its hosts'`, async (t) => {
    const store = await create(t)
    await store.putTenantPassword('acme', A)
    await store.putAmtPassword(H1, B)
    await store.deleteTenantSecrets('acme')
    await store.deleteTenantSecrets('acme')
    t.is(await store.getTenantPassword('acme'), null)
    t.deepEqual(await store.getAmtPassword(H1), B)
    t.true(await store.putTenantPassword('acme', B, { onlyIfAbsent: true }))
  })

  test(`${label}: ids outside the id rule are refused without echoing them`, async (t) => {
    const store = await create(t)
    for (const key of [
      { tenantId: '../etc', hostId: 'h' },
      { tenantId: 'acme', hostId: 'a/b' },
      { tenantId: 'acme', hostId: '..' },
      { tenantId: '', hostId: 'h' },
    ]) {
      const err = await t.throwsAsync(store.putAmtPassword(key, A), { instanceOf: SecretStoreError })
      t.is(err?.code, 'SECRET_STORE_INVALID_KEY')
      t.false(err?.message.includes('..') ?? true)
      t.is((await t.throwsAsync(store.getAmtPassword(key)))?.message, err?.message)
    }
    t.is(
      (await t.throwsAsync(store.getTenantPassword('a/b'), { instanceOf: SecretStoreError }))?.code,
      'SECRET_STORE_INVALID_KEY',
    )
  })

  test(`${label}: a secret needs a password`, async (t) => {
    const store = await create(t)
    const err = await t.throwsAsync(store.putAmtPassword(H1, { password: '' }), { instanceOf: SecretStoreError })
    t.is(err?.code, 'SECRET_STORE_REJECTED')
    t.is(await store.getAmtPassword(H1), null)
  })

  test(`${label}: versions: every write is a new version, newest first, with when it was written`, async (t) => {
    const store = await create(t)
    t.deepEqual(await store.getAmtPasswordHistory(H1), [])
    const before = Date.now()
    t.true(await store.putAmtPassword(H1, A, { onlyIfAbsent: true }))
    t.false(await store.putAmtPassword(H1, B, { onlyIfAbsent: true }), 'a refused create-only write is no version')
    t.true(await store.putAmtPassword(H1, B))
    t.true(await store.putAmtPassword(H1, C))
    const history = await store.getAmtPasswordHistory(H1)
    t.deepEqual(
      history.map(({ version, secret }) => ({ version, secret })),
      [
        { version: 3, secret: C },
        { version: 2, secret: B },
        { version: 1, secret: A },
      ],
    )
    for (const { writtenAt } of history) {
      t.true(writtenAt !== null && Date.parse(writtenAt) >= before - 1000 && Date.parse(writtenAt) <= Date.now())
    }
    t.deepEqual(await store.getAmtPassword(H1), C, 'the current secret is the newest version')
    t.deepEqual(
      (await store.getAmtPasswordHistory(H1, { limit: 2 })).map(({ secret }) => secret),
      [C, B],
    )
    t.deepEqual(await store.getAmtPasswordHistory(H2), [], "another host's history is its own")
    t.deepEqual(await store.getAmtPasswordHistory(OTHER), [])
  })

  test(`${label}: versions: at most the last ${KEPT} are kept, the oldest go first`, async (t) => {
    const store = await create(t)
    for (let i = 1; i <= KEPT + 2; i++) await store.putAmtPassword(H1, { password: `Vv${i}!vvvvvvvv` })
    const history = await store.getAmtPasswordHistory(H1)
    t.deepEqual(
      history.map(({ version }) => version),
      Array.from({ length: KEPT }, (_, i) => KEPT + 2 - i),
    )
    t.deepEqual(history.at(-1)?.secret, { password: 'Vv3!vvvvvvvv' })
  })

  test(`${label}: versions: deleting a host's secrets removes every version; a new one is version 1`, async (t) => {
    const store = await create(t)
    await store.putAmtPassword(H1, A)
    await store.putAmtPassword(H1, B)
    await store.putAmtPassword(H2, C)
    await store.deleteHostSecrets(H1)
    t.deepEqual(await store.getAmtPasswordHistory(H1), [])
    t.is((await store.getAmtPasswordHistory(H2)).length, 1)
    t.true(await store.putAmtPassword(H1, C, { onlyIfAbsent: true }))
    t.deepEqual(
      (await store.getAmtPasswordHistory(H1)).map(({ version, secret }) => ({ version, secret })),
      [{ version: 1, secret: C }],
    )
  })

  test(`${label}: versions: ids outside the id rule are refused; a closed store says so`, async (t) => {
    const store = await create(t)
    const err = await t.throwsAsync(store.getAmtPasswordHistory({ tenantId: 'acme', hostId: '..' }), {
      instanceOf: SecretStoreError,
    })
    t.is(err?.code, 'SECRET_STORE_INVALID_KEY')
    await store.close()
    t.is(
      (await t.throwsAsync(store.getAmtPasswordHistory(H1), { instanceOf: SecretStoreError }))?.code,
      'SECRET_STORE_CLOSED',
    )
  })

  test(`${label}: health is ok while open; after close every call is SECRET_STORE_CLOSED`, async (t) => {
    const store = await create(t)
    t.like(await store.health(), { ok: true, kind: store.kind })
    await store.close()
    t.is((await t.throwsAsync(store.getAmtPassword(H1), { instanceOf: SecretStoreError }))?.code, 'SECRET_STORE_CLOSED')
    t.is(
      (await t.throwsAsync(store.putTenantPassword('acme', A), { instanceOf: SecretStoreError }))?.code,
      'SECRET_STORE_CLOSED',
    )
    t.false((await store.health()).ok)
  })
}

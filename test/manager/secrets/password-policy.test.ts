import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { DomainError } from '../../../manager/core/errors.ts'
import { createAmtPasswordSource } from '../../../manager/secrets/amt-password-source.ts'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { isValidAmtPassword } from '../../../manager/secrets/passwords.ts'
import { seedHost, type TestCore } from '../../helpers/manager-core.ts'
import { activate, askAsAgent, localStore, startCore, startFakeVault, vaultStore } from './support.ts'

const STATIC = { amtPassword: 'Tenant!Passw0rd', mebxPassword: 'Mebx!Passw0rd1' }

/** The password is given to a device only while an operation needs it (a deactivation here). */
async function deactivate(core: TestCore, tenantId: string, hostIds: string[]) {
  return core.core.setDesired(
    { keys: hostIds.map((hostId) => ({ tenantId, hostId })) },
    { state: 'UNPROVISIONED' },
    'api:test',
  )
}

test('random policy: each host gets its own valid password, stored before desired is published', async (t) => {
  const store = await localStore(t)
  const published: number[] = []
  const core = await startCore(t, {
    ...store,
    putAmtPassword: (key, secret, options) => {
      published.push(core.outbound.published.length)
      return store.putAmtPassword(key, secret, options)
    },
  })
  for (const hostId of ['h-1', 'h-2', 'h-3']) await seedHost(core.inventory, hostId)
  await activate(core, 'acme', ['h-1', 'h-2', 'h-3'])
  t.deepEqual(published, [0, 0, 0], 'every password was stored before anything was published')
  t.is(core.outbound.payloads({ tenantId: 'acme', hostId: 'h-1' }, 'desired').length, 1)
  const secrets = await Promise.all(
    ['h-1', 'h-2', 'h-3'].map((hostId) => store.getAmtPassword({ tenantId: 'acme', hostId })),
  )
  t.is(new Set(secrets.map((s) => s?.password)).size, 3)
  for (const secret of secrets)
    t.true(isValidAmtPassword(secret?.password ?? '') && isValidAmtPassword(secret?.mebxPassword ?? ''))
  t.is(await store.getTenantPassword('acme'), null)
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'h-2' }), { ok: true, password: secrets[1]?.password })
  await activate(core, 'acme', ['h-1'])
  t.deepEqual(
    await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-1' }),
    secrets[0],
    'a repeated request keeps the password',
  )
})

test('static policy from config: the tenant password is stored once and answered for every host', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store, { passwords: { static: { acme: STATIC } } })
  await core.inventory.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  for (const hostId of ['h-1', 'h-2']) await seedHost(core.inventory, hostId)
  await activate(core, 'acme', ['h-1', 'h-2'])
  t.deepEqual(await store.getTenantPassword('acme'), {
    password: STATIC.amtPassword,
    mebxPassword: STATIC.mebxPassword,
  })
  t.is(await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-1' }), null, 'no per-host copy')
  for (const hostId of ['h-1', 'h-2'])
    t.like(await askAsAgent(core, { tenantId: 'acme', hostId }), { ok: true, password: STATIC.amtPassword })
  t.like(await core.passwords.readHostPassword({ tenantId: 'acme', hostId: 'h-1' }), {
    origin: 'tenant',
    password: STATIC.amtPassword,
    mebxPassword: STATIC.mebxPassword,
  })
})

test('static policy without config: generated once, kept across requests and manager instances', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store, { passwords: { static: { other: STATIC } } })
  await core.inventory.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  await seedHost(core.inventory, 'h-1')
  await activate(core, 'acme', ['h-1'])
  const first = await store.getTenantPassword('acme')
  t.true(isValidAmtPassword(first?.password ?? ''))
  t.not(first?.password, STATIC.amtPassword)
  await activate(core, 'acme', ['h-1'])
  const again = createAmtPasswordSource({ store, inventory: core.inventory, log: silentLogger() })
  await again.prepare([await core.inventory.getHost({ tenantId: 'acme', hostId: 'h-1' })])
  t.deepEqual(await store.getTenantPassword('acme'), first)
  t.deepEqual(await again.ensureTenantPassword('acme'), first)
})

test('a `*` static password applies to every static tenant without its own', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store, { passwords: { static: { '*': STATIC } } })
  await core.inventory.createTenant({ tenantId: 'beta', passwordPolicy: 'static' })
  await seedHost(core.inventory, 'h-1', [], 'beta')
  await activate(core, 'beta', ['h-1'])
  t.like(await askAsAgent(core, { tenantId: 'beta', hostId: 'h-1' }), { ok: true, password: STATIC.amtPassword })
})

test('policy change: a not yet provisioned host with an older random secret gets the static one; a provisioned host keeps its own', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store, { passwords: { static: { acme: STATIC } } })
  await core.inventory.createTenant({ tenantId: 'acme', passwordPolicy: 'random' })
  await seedHost(core.inventory, 'fresh')
  await seedHost(core.inventory, 'active')
  await activate(core, 'acme', ['fresh', 'active'])
  const active = await store.getAmtPassword({ tenantId: 'acme', hostId: 'active' })
  await core.inventory.updateHost({ tenantId: 'acme', hostId: 'active' }, { currentState: 'PROVISIONED' })
  await core.core.refreshHost({ tenantId: 'acme', hostId: 'active' })
  await core.inventory.updateTenant('acme', { passwordPolicy: 'static' })
  await activate(core, 'acme', ['fresh', 'active'])
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'fresh' }), { ok: true, password: STATIC.amtPassword })
  await deactivate(core, 'acme', ['active'])
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'active' }, 'deactivate'), {
    ok: true,
    password: active?.password,
  })
})

test('random policy: a host provisioned under the tenant password is not given a new one it does not have', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store)
  await seedHost(core.inventory, 'h-1', [{ currentState: 'PROVISIONED' }])
  await store.putTenantPassword('acme', { password: STATIC.amtPassword })
  await activate(core, 'acme', ['h-1'])
  t.is(await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-1' }), null)
  await deactivate(core, 'acme', ['h-1'])
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'h-1' }, 'deactivate'), {
    ok: true,
    password: STATIC.amtPassword,
  })
})

test('two manager replicas preparing the same host at once end with one password', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  const core = await startCore(t, store)
  const host = await seedHost(core.inventory, 'h-1')
  const replicas = [
    core.passwords,
    createAmtPasswordSource({ store: vaultStore(t, vault), inventory: core.inventory, log: silentLogger() }),
  ]
  await Promise.all(replicas.map((replica) => replica.prepare([host])))
  const [a, b] = await Promise.all(replicas.map((replica) => replica.readHostPassword(host)))
  t.truthy(a)
  t.deepEqual(a, b)
  t.is(vault.kv.entries.get('secret/amt/acme/hosts/h-1')?.currentVersion, 1)
})

test('Vault down while preparing: PREPARATION_FAILED, nothing written or published; converges after recovery', async (t) => {
  const vault = await startFakeVault(t)
  const core = await startCore(t, vaultStore(t, vault, { retries: 1 }))
  await seedHost(core.inventory, 'h-1')
  await vault.setFault({ kind: 'sealed' })
  const err = await t.throwsAsync(activate(core, 'acme', ['h-1']), { instanceOf: DomainError })
  t.is(err?.code, 'PREPARATION_FAILED')
  t.regex(err?.message ?? '', /secret store is unavailable: HTTP 503 sealed/)
  t.is((await core.inventory.getHost({ tenantId: 'acme', hostId: 'h-1' })).desiredGeneration, 0)
  t.is(core.outbound.published.length, 0)
  await vault.setFault(null)
  const [host] = await activate(core, 'acme', ['h-1'])
  t.is(host?.desiredGeneration, 1)
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'h-1' }), { ok: true })
  await vault.setFault({ kind: 'sealed' })
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'h-1' }), {
    ok: false,
    error: 'the secret store is unavailable: HTTP 503 sealed',
    retryable: true,
  })
})

test('no password stored: secret/req is refused with a clear reason', async (t) => {
  const core = await startCore(t, await localStore(t))
  await seedHost(core.inventory, 'h-1', [{ desiredState: 'UNPROVISIONED' }])
  t.like(await askAsAgent(core, { tenantId: 'acme', hostId: 'h-1' }, 'deactivate'), {
    ok: false,
    error: 'no AMT password is stored for this host',
  })
})

test('an invalid configured static password stops the start with every problem, never the value', async (t) => {
  const store = await localStore(t)
  const err = t.throws(
    () =>
      createAmtPasswordSource({
        store,
        inventory: { getTenant: () => Promise.reject(new Error('unused')) },
        log: silentLogger(),
        passwords: { static: { acme: { amtPassword: 'weakpass' } } },
      }),
    { instanceOf: SecretStoreError },
  )
  t.is(err?.code, 'SECRET_STORE_CONFIG_INVALID')
  t.regex(err?.message ?? '', /passwords\.static\.acme\.amtPassword needs an upper-case letter/)
  t.false(err?.message.includes('weakpass') ?? true)
})

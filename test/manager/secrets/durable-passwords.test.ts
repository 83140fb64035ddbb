import test from 'ava'
import Database from 'better-sqlite3'
import { DomainError } from '../../../manager/core/errors.ts'
import { buildTopic } from '../../../schemas/index.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { activate, askAsAgent, localStore, startCore, startFakeVault, vaultStore } from './support.ts'

/**
 * Issue 18, "credentials that are never lost": the password an activation will set is durably stored before
 * anything that could start the activation (desired) is published; a store that cannot store it stops the
 * activation before it starts; a replaced password stays as a previous version.
 */

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const PATH = 'secret/amt/acme/hosts/h-1'
const STATIC = { amtPassword: 'Tenant!Passw0rd' }

test('Vault down: PREPARATION_FAILED, nothing written or published; once back, the password is in Vault before desired', async (t) => {
  const vault = await startFakeVault(t)
  const core = await startCore(t, vaultStore(t, vault, { retries: 1 }))
  await seedHost(core.inventory, 'h-1')
  await vault.setFault({ kind: 'down' })
  const err = await t.throwsAsync(activate(core, 'acme', ['h-1']), { instanceOf: DomainError })
  t.is(err?.code, 'PREPARATION_FAILED')
  t.regex(err?.message ?? '', /the secret store is unavailable: connection refused/)
  t.is((await core.inventory.getHost(KEY)).desiredGeneration, 0)
  t.deepEqual(core.outbound.published, [], 'nothing an agent could act on')
  await vault.setFault(null)
  const desiredTopic = buildTopic({ ...KEY, leaf: 'desired' })
  const storedAtPublish: unknown[] = []
  const publish = core.outbound.publish.bind(core.outbound)
  core.outbound.publish = (topic, payload, options) => {
    if (topic === desiredTopic) storedAtPublish.push(vault.kv.latest(PATH)?.password)
    publish(topic, payload, options)
  }
  await activate(core, 'acme', ['h-1'])
  t.is(storedAtPublish.length, 1)
  t.is(typeof storedAtPublish[0], 'string', 'Vault acknowledged the password before desired went out')
  t.like(await askAsAgent(core, KEY), { ok: true, password: storedAtPublish[0] })
})

test('local store cannot commit (locked): PREPARATION_FAILED, nothing written or published; converges after', async (t) => {
  const store = await localStore(t, { busyTimeoutMs: 0 })
  const core = await startCore(t, store)
  await seedHost(core.inventory, 'h-1')
  const other = new Database(store.file, { timeout: 0 })
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const err = await t.throwsAsync(activate(core, 'acme', ['h-1']), { instanceOf: DomainError })
  t.is(err?.code, 'PREPARATION_FAILED')
  t.regex(err?.message ?? '', /the secret store is unavailable: SQLITE_BUSY/)
  t.is((await core.inventory.getHost(KEY)).desiredGeneration, 0)
  t.deepEqual(core.outbound.published, [])
  t.is(await store.getAmtPassword(KEY), null)
  other.exec('ROLLBACK')
  const [host] = await activate(core, 'acme', ['h-1'])
  t.is(host?.desiredGeneration, 1)
  const [stored] = await store.getAmtPasswordHistory(KEY)
  t.like(stored, { version: 1 })
  t.like(await askAsAgent(core, KEY), { ok: true, password: stored?.secret.password })
})

test('a repeated activation keeps the stored password: no new version', async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  const core = await startCore(t, store)
  await seedHost(core.inventory, 'h-1')
  await activate(core, 'acme', ['h-1'])
  await activate(core, 'acme', ['h-1'])
  t.is((await store.getAmtPasswordHistory(KEY)).length, 1)
  t.is(vault.kv.entries.get(PATH)?.currentVersion, 1)
})

test("static policy replacing a host's older own password keeps that one as a previous version (a candidate)", async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store, { passwords: { static: { acme: STATIC } } })
  await core.inventory.createTenant({ tenantId: 'acme', passwordPolicy: 'random' })
  await seedHost(core.inventory, 'h-1')
  await activate(core, 'acme', ['h-1'])
  const own = await store.getAmtPassword(KEY)
  await core.inventory.updateTenant('acme', { passwordPolicy: 'static' })
  await activate(core, 'acme', ['h-1'])
  t.like(await askAsAgent(core, KEY), { ok: true, password: STATIC.amtPassword })
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version, secret }) => [version, secret.password]),
    [
      [2, STATIC.amtPassword],
      [1, own?.password],
    ],
  )
  t.deepEqual(await core.passwords.candidatesFor(KEY), [
    { origin: 'host', version: 2, password: STATIC.amtPassword },
    { origin: 'host', version: 1, password: own?.password },
  ])
})

test('local store: the passwords of a bulk chunk are stored in one commit (one fsync), each readable after', async (t) => {
  const commits: number[] = []
  const store = await localStore(t, { onCommit: (writes) => commits.push(writes) })
  const core = await startCore(t, store)
  const hostIds = Array.from({ length: 300 }, (_, i) => `h-${i}`)
  for (const hostId of hostIds) await seedHost(core.inventory, hostId)
  commits.length = 0
  await activate(core, 'acme', hostIds)
  t.deepEqual(commits, [300])
  t.truthy(await store.getAmtPassword({ tenantId: 'acme', hostId: 'h-299' }))
})

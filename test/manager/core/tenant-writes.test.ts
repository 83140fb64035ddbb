import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createManagerCore } from '../../../manager/core/manager-core.ts'
import { managedProfiles } from '../../../manager/core/publish/activation-profile.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { RecordingOutbound } from '../../helpers/manager-core.ts'

/** The real core with RPS managed (names by password policy); every policy read it makes is counted. */
async function start(t: ExecutionContext) {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const reads = { getTenant: 0, listTenants: 0 }
  const failing = { reads: false }
  const profiles = managedProfiles({
    getTenant: (tenantId) => {
      reads.getTenant += 1
      return failing.reads ? Promise.reject(new Error('Inventory unavailable')) : inventory.getTenant(tenantId)
    },
    listTenants: () => {
      reads.listTenants += 1
      return inventory.listTenants()
    },
  })
  const outbound = new RecordingOutbound()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound, log: silentLogger(), metrics, profiles })
  t.teardown(() => core.stop())
  /** Sets desired PROVISIONED and returns the profile name the published desired carries. */
  const profileOf = async (key: HostKey): Promise<string | undefined> => {
    await core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'api:alice')
    return outbound.last(key, 'desired')?.profileName
  }
  return { core, inventory, outbound, reads, failing, profileOf }
}

test('a tenant policy change (static ↔ random) is in the next desired profileName, no policy read', async (t) => {
  const { core, inventory, reads, profileOf } = await start(t)
  await core.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  const key = { tenantId: 'acme', hostId: 'h-1' }
  await inventory.createHost(key)
  t.is(await profileOf(key), 'acme_ccm')
  t.like(await core.updateTenant('acme', { passwordPolicy: 'random' }), { passwordPolicy: 'random' })
  t.is(await profileOf(key), 'h-1@acme_ccm')
  await core.updateTenant('acme', { passwordPolicy: 'static' })
  t.is(await profileOf(key), 'acme_ccm')
  t.deepEqual(reads, { getTenant: 0, listTenants: 0 }, 'the tenant writes were followed: nothing was read')
})

test('a tenant created by another process: read once, before the desired write; its desired goes out', async (t) => {
  const { core, inventory, outbound, reads, profileOf } = await start(t)
  await inventory.createTenant({ tenantId: 'beta', passwordPolicy: 'random' })
  const key = { tenantId: 'beta', hostId: 'h-1' }
  await inventory.createHost(key)
  const [stored] = await core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'api:alice')
  t.like(outbound.last(key, 'desired'), { generation: stored?.desiredGeneration, profileName: 'h-1@beta_ccm' })
  t.is(await profileOf(key), 'h-1@beta_ccm')
  t.deepEqual(reads, { getTenant: 1, listTenants: 0 }, 'read on the miss only')
})

test('a tenant whose policy cannot be read fails the desired write before anything is stored', async (t) => {
  const { core, inventory, outbound, failing } = await start(t)
  await inventory.createTenant({ tenantId: 'beta' })
  const key = { tenantId: 'beta', hostId: 'h-1' }
  await inventory.createHost(key)
  failing.reads = true
  const request = core.setDesired({ keys: [key] }, { state: 'PROVISIONED' }, 'api:alice')
  await t.throwsAsync(request, { message: 'Inventory unavailable' })
  t.like(await inventory.getHost(key), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
  t.is(outbound.last(key, 'desired'), undefined)
  t.deepEqual(await inventory.listAudit('beta'), [])
})

test('a policy changed by another process is followed by the next (re)connect sweep', async (t) => {
  const { core, inventory, outbound, reads, profileOf } = await start(t)
  await core.createTenant({ tenantId: 'acme', passwordPolicy: 'static' })
  const key = { tenantId: 'acme', hostId: 'h-1' }
  await inventory.createHost(key)
  t.is(await profileOf(key), 'acme_ccm')
  await inventory.updateTenant('acme', { passwordPolicy: 'random' })
  await core.republishAll()
  t.like(outbound.last(key, 'desired'), { generation: 1, profileName: 'h-1@acme_ccm' })
  t.deepEqual(reads, { getTenant: 0, listTenants: 1 })
})

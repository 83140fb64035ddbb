import test from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { managedProfiles, TENANT_PROFILES } from '../../../../manager/core/publish/activation-profile.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import { retrieveActivationDetails } from '../../../../manager/grpc/handlers/retrieve-activation-details.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import { RecordingOutbound } from '../../../helpers/manager-core.ts'

const host = (tenantId: string, hostId: string, controlMode: 'CCM' | 'ACM' = 'CCM') => ({
  tenantId,
  hostId,
  controlMode,
})

test('RPS not managed: every host activates with its tenant profile, whatever the policy', async (t) => {
  t.is(TENANT_PROFILES.nameOf(host('acme', 'h-1')), 'acme_ccm')
  t.is(TENANT_PROFILES.nameOf(host('acme', 'h-1', 'ACM')), 'acme_acm')
  t.is(await TENANT_PROFILES.resolve(host('acme', 'h-1')), 'acme_ccm')
})

test('RPS managed: static tenant → tenant profile, random tenant → the host own profile; the policy is read once per tenant', async (t) => {
  const reads: string[] = []
  const policies: Record<string, 'static' | 'random'> = { st: 'static', rnd: 'random' }
  const profiles = managedProfiles({
    getTenant: (tenantId) => {
      reads.push(tenantId)
      const passwordPolicy = policies[tenantId]
      return passwordPolicy ? Promise.resolve({ passwordPolicy }) : Promise.reject(new Error(`no tenant ${tenantId}`))
    },
    listTenants: () => Promise.reject(new Error('not listed in this test')),
  })
  t.is(profiles.nameOf(host('st', 'h-1')), null, 'not loaded yet: no name (never a guess)')
  await profiles.readMissing(['st', 'rnd', 'st'])
  t.is(profiles.nameOf(host('st', 'h-1')), 'st_ccm')
  t.is(profiles.nameOf(host('st', 'h-1', 'ACM')), 'st_acm')
  t.is(profiles.nameOf(host('rnd', 'h-1')), 'h-1@rnd_ccm')
  t.is(profiles.nameOf(host('rnd', 'h-1', 'ACM')), 'h-1@rnd_acm')
  t.is(await profiles.resolve(host('rnd', 'h-2')), 'h-2@rnd_ccm')
  t.deepEqual(reads, ['st', 'rnd'])
  await t.throwsAsync(profiles.readMissing(['st', 'gone']), { message: 'no tenant gone' })
  await profiles.readMissing(['gone']).catch(() => undefined)
  t.deepEqual(reads, ['st', 'rnd', 'gone', 'gone'], 'a failed read is not remembered')
})

test('desired.profileName (MQTT) and the gRPC profile_name come from the same decision, after a restart too', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 'st', passwordPolicy: 'static' })
  await inventory.createTenant({ tenantId: 'rnd', passwordPolicy: 'random' })
  const hosts = [
    await inventory.createHost({ tenantId: 'st', hostId: 'h-1' }),
    await inventory.createHost({ tenantId: 'rnd', hostId: 'h-2' }),
    await inventory.createHost({ tenantId: 'rnd', hostId: 'h-3', controlMode: 'ACM' }),
  ]
  const start = () => {
    const outbound = new RecordingOutbound()
    const profiles = managedProfiles({
      getTenant: (tenantId) => inventory.getTenant(tenantId),
      listTenants: () => inventory.listTenants(),
    })
    const core = createManagerCore({
      inventory,
      outbound,
      log: silentLogger(),
      metrics: createManagerMetrics(inventory),
      profiles,
    })
    t.teardown(() => core.stop())
    return { core, outbound, profiles }
  }
  const first = start()
  await first.core.setDesired({ keys: hosts }, { state: 'PROVISIONED' }, 'test')
  const names = hosts.map((h) => first.outbound.last(h, 'desired')?.profileName ?? '')
  t.deepEqual(names, ['st_ccm', 'h-2@rnd_ccm', 'h-3@rnd_acm'])

  const second = start() // a restart: nothing cached; the sweep reads the policies
  await second.core.republishAll()
  t.deepEqual(
    hosts.map((h) => second.outbound.last(h, 'desired')?.profileName ?? ''),
    names,
  )

  const ctx = {
    core: second.core,
    secrets: { getAmtPassword: () => Promise.resolve({ ok: true as const, password: 'Pa55word!' }) },
    profiles: second.profiles,
    log: silentLogger(),
  }
  for (const [index, h] of hosts.entries()) {
    const answer = await retrieveActivationDetails(
      ctx,
      { tenantId: h.tenantId, subject: undefined },
      { host_id: h.hostId },
    )
    t.is(answer.profile_name, names[index] ?? '', `gRPC and MQTT agree for ${h.hostId}`)
  }
})

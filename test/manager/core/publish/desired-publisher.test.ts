import test, { type ExecutionContext } from 'ava'
import { createLogger } from '../../../../lib/log.ts'
import { managedProfiles } from '../../../../manager/core/publish/activation-profile.ts'
import { DesiredPublisher } from '../../../../manager/core/publish/desired-publisher.ts'
import type { Host, PasswordPolicy } from '../../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'
import { eventually } from '../../../helpers/manager-mqtt.ts'
import { RecordingOutbound } from '../../../helpers/manager-core.ts'

/** A tenant read the test lets through (or fails) when it wants. */
function gatedTenant(policy: PasswordPolicy) {
  let settle: { open: () => void; fail: (err: Error) => void } = { open: () => undefined, fail: () => undefined }
  const gate = new Promise<void>((open, fail) => (settle = { open, fail }))
  const reads: string[] = []
  const profiles = managedProfiles({
    getTenant: async (tenantId) => {
      reads.push(tenantId)
      await gate
      return { passwordPolicy: policy }
    },
    listTenants: () => Promise.resolve([]),
  })
  return { profiles, reads, open: () => settle.open(), fail: (err: Error) => settle.fail(err) }
}

/** Hosts of tenant `acme` with desired PROVISIONED at generations 1, 2 and 3 (the same host), and another host. */
async function hosts(t: ExecutionContext): Promise<{ generations: Host[]; other: Host }> {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 'acme' })
  const key = { tenantId: 'acme', hostId: 'h-1' }
  await inventory.createHost(key)
  const generations: Host[] = []
  const provisioned = { desiredState: 'PROVISIONED' } as const
  for (let n = 0; n < 3; n++) generations.push(...(await inventory.setDesiredMany({ keys: [key] }, provisioned)))
  const otherKey = { tenantId: 'acme', hostId: 'h-2' }
  await inventory.createHost(otherKey)
  const [other] = await inventory.setDesiredMany({ keys: [otherKey] }, provisioned)
  if (!other) throw new Error('no host h-2')
  return { generations, other }
}

test('a host of a tenant not seen yet: its desired waits for the tenant read, newest generation only', async (t) => {
  const { generations, other } = await hosts(t)
  const [first, second, third] = generations
  if (!first || !second || !third) return t.fail()
  const tenant = gatedTenant('random')
  const outbound = new RecordingOutbound()
  const publisher = new DesiredPublisher(outbound, { profiles: tenant.profiles })
  t.false(publisher.publish(second), 'not named yet: waits')
  t.false(publisher.publish(first), 'an older generation does not replace the waiting one')
  t.false(publisher.publish(other))
  publisher.forget(other)
  t.deepEqual(tenant.reads, ['acme'], 'one read for the tenant')
  tenant.open()
  await eventually(() => Promise.resolve(outbound.payloads(second, 'desired').length > 0), 'the waiting desired')
  t.deepEqual(
    outbound.payloads(second, 'desired').map((d) => [d.generation, d.profileName]),
    [[2, 'h-1@acme_ccm']],
  )
  t.deepEqual(outbound.payloads(other, 'desired'), [], 'a forgotten (deleted) host is not published')
  t.true(publisher.publish(third), 'named from memory from now on')
  t.false(publisher.publish(second), 'and never backwards')
})

test('a tenant read that fails is logged with its reason; nothing is published', async (t) => {
  const { generations } = await hosts(t)
  const [host] = generations
  if (!host) return t.fail()
  const lines: string[] = []
  const destination = { write: (line: string) => void lines.push(line) }
  const log = createLogger({ name: 'test', level: 'error', destination })
  const tenant = gatedTenant('static')
  const outbound = new RecordingOutbound()
  const publisher = new DesiredPublisher(outbound, { profiles: tenant.profiles, log })
  t.false(publisher.publish(host))
  tenant.fail(new Error('Inventory unavailable'))
  const first = () => Promise.resolve(lines.map((line) => JSON.parse(line) as { msg: string; tenantId: string }).at(0))
  const logged = await eventually(first, 'the log line')
  const msg = 'desired not published: the tenant password policy could not be read (the next sweep publishes it)'
  t.like(logged, { tenantId: 'acme', msg })
  t.deepEqual(outbound.published, [])
})

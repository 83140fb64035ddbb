import test from 'ava'
import { DesiredPublisher } from '../../../../manager/core/publish/desired-publisher.ts'
import { RecordingOutbound, seedHost, startTestCore, TENANT } from '../../../helpers/manager-core.ts'

test('republishAll publishes desired of every host with a desired state and status of every host', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t, { options: { sweepPageSize: 7 } })
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createHosts(Array.from({ length: 30 }, (_, i) => ({ tenantId: TENANT, hostId: `h-${i}` })))
  await inventory.setDesiredMany({ filter: { tenantId: TENANT } }, { desiredState: 'PROVISIONED' })
  await inventory.createHosts([{ tenantId: TENANT, hostId: 'no-desired' }])
  const result = await core.republishAll()
  t.deepEqual(result, { hosts: 31, desired: 30, completed: true })
  t.is(outbound.published.filter((p) => p.topic.endsWith('/desired')).length, 30)
  t.is(outbound.published.filter((p) => p.topic.endsWith('/status')).length, 31)
  t.like(outbound.last({ tenantId: TENANT, hostId: 'h-3' }, 'desired'), {
    generation: 1,
    state: 'PROVISIONED',
    profileName: `${TENANT}_ccm`,
  })

  outbound.clear()
  await core.republishAll()
  t.is(outbound.published.filter((p) => p.topic.endsWith('/status')).length, 31, 'status is forced after a reconnect')
})

test('a sweep never publishes an older generation after a newer one', async (t) => {
  const { inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', [{ desiredState: 'PROVISIONED' }])
  const newer = await inventory.updateHost(host, { desiredState: 'UNPROVISIONED' })
  const outbound = new RecordingOutbound()
  const publisher = new DesiredPublisher(outbound)
  t.true(publisher.publish(newer))
  t.false(publisher.publish(host), 'generation 1 after 2 is dropped')
  t.true(publisher.publish(newer), 'the same generation again is fine (retained, idempotent)')
  t.deepEqual(
    outbound.payloads(host, 'desired').map((d) => d.generation),
    [2, 2],
  )
})

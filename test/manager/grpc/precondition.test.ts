import test from 'ava'
import type { Report } from '../../../manager/core/facts.ts'
import type { Host } from '../../../manager/inventory/port.ts'
import { seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

/** The domain addition the bridge's guards rely on: RecordOptions.precondition, evaluated inside the write. */
const KEY = { tenantId: TENANT, hostId: 'h-1' }
const skuUnset = (host: Host): string | null => (host.sku === 'UNSPECIFIED' ? null : `already ${host.sku}`)
const GRPC = { kind: 'grpc' } as const
const enabled = (sku: 'AMT' | 'ISM'): Report => ({ kind: 'capability', facts: { capable: true, sku } })

test('a refused precondition rejects the report with its text and writes nothing', async (t) => {
  const { core, inventory } = await startTestCore(t)
  const seeded = await seedHost(inventory, KEY.hostId, [{ sku: 'ISM' }])
  const result = await core.record(KEY, enabled('AMT'), GRPC, { precondition: skuUnset })
  t.deepEqual(result, { outcome: 'rejected', reason: 'precondition', detail: 'already ISM' })
  t.is((await inventory.getHost(KEY)).version, seeded.version)
})

test('reports of one batch: each precondition sees the host as projected after the reports before it', async (t) => {
  const { core, inventory } = await startTestCore(t)
  await seedHost(inventory, KEY.hostId)
  const results = await Promise.all([
    core.record(KEY, enabled('AMT'), GRPC, { precondition: skuUnset }),
    core.record(KEY, enabled('ISM'), GRPC, { precondition: skuUnset }),
  ])
  t.deepEqual(
    results.map((result) => result.outcome),
    ['accepted', 'rejected'],
  )
  t.like(await inventory.getHost(KEY), { sku: 'AMT', agentKind: 'grpc' })
})

test('an unknown host is unknown-host, whatever the precondition', async (t) => {
  const { core } = await startTestCore(t)
  const unknown = { tenantId: TENANT, hostId: 'nope' }
  const activating: Report = { kind: 'state', facts: { phase: 'ACTIVATING' } }
  const result = await core.record(unknown, activating, GRPC, { precondition: () => 'never' })
  t.like(result, { outcome: 'rejected', reason: 'unknown-host' })
})

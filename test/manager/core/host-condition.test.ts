import test from 'ava'
import { hostCapability, hostCondition } from '../../../manager/core/host-condition.ts'
import { newHost } from '../../../manager/inventory/host-patch.ts'
import type { Host, HostPatch } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { conditionTwinTests } from '../../helpers/condition-twin.ts'

const hostWith = (patch: HostPatch): Host => ({ ...newHost({ tenantId: 't', hostId: 'h' }, new Date(0)), ...patch })

const ERROR = { status: 'AMT Activation Failed: x', statusIndicator: 'ERROR' } as const
const NOT_SUPPORTED = { sku: 'UNSPECIFIED', status: 'AMT not supported: no ME', statusIndicator: 'ERROR' } as const

for (const [title, patch, condition] of [
  ['a new host', {}, 'UNPROVISIONED'],
  ['activation asked, nothing reported', { desiredState: 'PROVISIONED' }, 'ACTIVATING'],
  [
    'activation asked, AMT already on but the agent still activating',
    {
      desiredState: 'PROVISIONED',
      currentState: 'PROVISIONED',
      phase: 'ACTIVATING',
    },
    'ACTIVATING',
  ],
  ['activated', { desiredState: 'PROVISIONED', currentState: 'PROVISIONED', phase: 'PROVISIONED' }, 'PROVISIONED'],
  ['activated before the manager knew it', { currentState: 'PROVISIONED' }, 'PROVISIONED'],
  ['deactivation asked', { desiredState: 'UNPROVISIONED', currentState: 'PROVISIONED' }, 'DEACTIVATING'],
  ['deactivated', { desiredState: 'UNPROVISIONED', currentState: 'UNPROVISIONED' }, 'UNPROVISIONED'],
  ['activation failed', { desiredState: 'PROVISIONED', phase: 'FAILED', ...ERROR }, 'FAILED'],
  ['activation deadline passed (no phase)', { desiredState: 'PROVISIONED', ...ERROR }, 'FAILED'],
  ['not capable: an ERROR, yet not FAILED', { desiredState: 'PROVISIONED', ...NOT_SUPPORTED }, 'NOT_SUPPORTED'],
  ['a deletion pending wins over everything', { deletion: 'pending', ...NOT_SUPPORTED }, 'PENDING_DELETION'],
] as const satisfies readonly (readonly [string, HostPatch, string])[]) {
  test(`condition: ${title} → ${condition}`, (t) => {
    t.is(hostCondition(hostWith(patch)), condition)
  })
}

test('capability: AMT / ISM by the SKU, NONE when reported not capable, else UNKNOWN', (t) => {
  t.is(hostCapability(hostWith({ sku: 'AMT' })), 'AMT')
  t.is(hostCapability(hostWith({ sku: 'ISM' })), 'ISM')
  t.is(hostCapability(hostWith(NOT_SUPPORTED)), 'NONE')
  t.is(hostCapability(hostWith({})), 'UNKNOWN')
})

conditionTwinTests(test, 'sqlite', () => openSqliteInventory({ dataDir: IN_MEMORY }))

import test, { type ExecutionContext } from 'ava'
import { hostCapability, hostCondition } from '../../../manager/core/host-condition.ts'
import { newHost } from '../../../manager/inventory/host-patch.ts'
import {
  HOST_CAPABILITIES,
  HOST_CONDITIONS,
  type Host,
  type HostPatch,
  type Inventory,
} from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { hostGrid } from '../../helpers/host-grid.ts'

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

async function gridInventory(t: ExecutionContext): Promise<{ inventory: Inventory; hosts: Host[] }> {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 'g' })
  const patches = hostGrid()
  const keys = patches.map((_, i) => ({ tenantId: 'g', hostId: `g-${String(i).padStart(5, '0')}` }))
  await inventory.createHosts(keys)
  const hosts = await inventory.updateHosts(patches.map((patch, i) => ({ key: keys[i]!, patch })))
  return { inventory, hosts }
}

const idsOf = (hosts: readonly Host[]) => hosts.map((host) => host.hostId)

test('the SQL twin agrees with hostCondition and hostCapability on every host of the grid', async (t) => {
  const { inventory, hosts } = await gridInventory(t)
  t.true(hosts.length > 4000)
  for (const condition of HOST_CONDITIONS) {
    const listed = await inventory.listHosts({ tenantId: 'g', condition, limit: 10_000, withTotal: true })
    const expected = idsOf(hosts.filter((host) => hostCondition(host) === condition))
    t.true(expected.length > 0, `the grid has no ${condition} host`)
    t.deepEqual(idsOf(listed.hosts), expected, condition)
    t.is(listed.total, expected.length)
  }
  for (const capability of HOST_CAPABILITIES) {
    const listed = await inventory.listHosts({ tenantId: 'g', capability, limit: 10_000 })
    const expected = idsOf(hosts.filter((host) => hostCapability(host) === capability))
    t.true(expected.length > 0, `the grid has no ${capability} host`)
    t.deepEqual(idsOf(listed.hosts), expected, capability)
  }
})

test('the summary counts what hostCondition and hostCapability say', async (t) => {
  const { inventory, hosts } = await gridInventory(t)
  const summary = await inventory.summarizeHosts('g')
  const tally = <K extends string>(keys: readonly K[], of: (host: Host) => K) =>
    Object.fromEntries(keys.map((key) => [key, hosts.filter((host) => of(host) === key).length]))
  t.deepEqual(summary, {
    total: hosts.length,
    online: 0,
    offline: hosts.length,
    byCapability: tally(HOST_CAPABILITIES, hostCapability),
    byCondition: tally(HOST_CONDITIONS, hostCondition),
  })
})

test('sorting by condition follows hostCondition, then the hostId', async (t) => {
  const { inventory, hosts } = await gridInventory(t)
  const sorted = await inventory.listHosts({ tenantId: 'g', sort: '-condition', limit: 10_000 })
  const key = (host: Host) => `${hostCondition(host)}\u0000${host.hostId}`
  t.deepEqual(sorted.hosts.map(key), hosts.map(key).sort().reverse())
})

import type { TestFn } from 'ava'
import { hostCapability, hostCondition } from '../../manager/core/host-condition.ts'
import { HOST_CAPABILITIES, HOST_CONDITIONS, type Host, type Inventory } from '../../manager/inventory/port.ts'
import { hostGrid } from './host-grid.ts'

const idsOf = (hosts: readonly Host[]) => hosts.map((host) => host.hostId)

/**
 * An adapter's SQL twin of the host condition (manager/inventory/sql/host-condition-sql.ts with the engine's parts)
 * against manager/core/host-condition.ts, on every host of the grid: filters, the summary and the sort. The grid is
 * written once per test file (read only by the tests) and closed after them.
 */
export function conditionTwinTests(test: TestFn, label: string, open: () => Promise<Inventory>): void {
  let written: Promise<{ inventory: Inventory; hosts: Host[] }> | undefined
  const grid = () => (written ??= writeGrid(open))
  test.after.always(async () => {
    if (written) await (await written).inventory.close()
  })

  test(`${label}: the SQL twin agrees with hostCondition and hostCapability on every host of the grid`, async (t) => {
    const { inventory, hosts } = await grid()
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

  test(`${label}: the summary counts what hostCondition and hostCapability say`, async (t) => {
    const { inventory, hosts } = await grid()
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

  test(`${label}: sorting by condition follows hostCondition, then the hostId`, async (t) => {
    const { inventory, hosts } = await grid()
    const sorted = await inventory.listHosts({ tenantId: 'g', sort: '-condition', limit: 10_000 })
    const key = (host: Host) => `${hostCondition(host)}\u0000${host.hostId}`
    t.deepEqual(sorted.hosts.map(key), hosts.map(key).sort().reverse())
  })
}

async function writeGrid(open: () => Promise<Inventory>): Promise<{ inventory: Inventory; hosts: Host[] }> {
  const inventory = await open()
  await inventory.createTenant({ tenantId: 'g' })
  const patches = hostGrid()
  const keys = patches.map((_, i) => ({ tenantId: 'g', hostId: `g-${String(i).padStart(5, '0')}` }))
  await inventory.createHosts(keys)
  const hosts = await inventory.updateHosts(patches.map((patch, i) => ({ key: keys[i]!, patch })))
  return { inventory, hosts }
}

import test from 'ava'
import type { Host, HostPageRequest, Inventory } from '../../manager/inventory/port.ts'
import { hostName, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const ids = (hosts: readonly Host[]) => hosts.map((host) => `${host.tenantId}/${host.hostId}`)

async function allPages(
  inventory: Inventory,
  request: HostPageRequest,
): Promise<{ pages: Host[][]; cursors: (string | null)[] }> {
  const pages: Host[][] = []
  const cursors: (string | null)[] = []
  let cursor: string | undefined
  do {
    const page = await inventory.listHosts({ ...request, cursor })
    pages.push(page.hosts)
    cursors.push(page.nextCursor)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined && pages.length < 100)
  return { pages, cursors }
}

export function listConformance({ label, open }: SuiteContext): void {
  test(`${label}: listHosts orders by (tenantId, hostId) across tenants`, async (t) => {
    const inventory = await open(t)
    for (const tenantId of ['t2', 't1']) await inventory.createTenant({ tenantId })
    await inventory.createHosts([
      { tenantId: 't2', hostId: 'a' },
      { tenantId: 't1', hostId: 'c' },
      { tenantId: 't1', hostId: 'A' },
      { tenantId: 't1', hostId: 'b' },
    ])
    const page = await inventory.listHosts()
    t.deepEqual(ids(page.hosts), ['t1/A', 't1/b', 't1/c', 't2/a'])
    t.is(page.nextCursor, null)
  })

  test(`${label}: listHosts filters by tenant, desired, current, indicator and deletion (ANDed)`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 4)
    await inventory.updateHost(
      { tenantId: 'a', hostId: hostName(0) },
      { desiredState: 'PROVISIONED', currentState: 'PROVISIONED', statusIndicator: 'IDLE' },
    )
    await inventory.updateHost(
      { tenantId: 'a', hostId: hostName(1) },
      { desiredState: 'PROVISIONED', statusIndicator: 'IN_PROGRESS' },
    )
    await inventory.updateHost(
      { tenantId: 'b', hostId: hostName(1) },
      { desiredState: 'PROVISIONED', statusIndicator: 'ERROR' },
    )
    await inventory.updateHost(
      { tenantId: 'b', hostId: hostName(2) },
      { desiredState: 'UNPROVISIONED', deletion: 'pending' },
    )
    const list = async (request: HostPageRequest) => ids((await inventory.listHosts(request)).hosts)
    t.deepEqual(await list({ tenantId: 'b' }), ['b/h-0000', 'b/h-0001', 'b/h-0002', 'b/h-0003'])
    t.deepEqual(await list({ desiredState: 'PROVISIONED' }), ['a/h-0000', 'a/h-0001', 'b/h-0001'])
    t.deepEqual(await list({ desiredState: 'PROVISIONED', tenantId: 'a' }), ['a/h-0000', 'a/h-0001'])
    t.deepEqual(await list({ currentState: 'PROVISIONED' }), ['a/h-0000'])
    t.deepEqual(await list({ statusIndicator: 'IN_PROGRESS' }), ['a/h-0001'])
    t.deepEqual(await list({ statusIndicator: 'ERROR', tenantId: 'a' }), [])
    t.deepEqual(await list({ deletion: 'pending' }), ['b/h-0002'])
    t.deepEqual(await list({ deletion: 'none', tenantId: 'b', desiredState: 'UNSPECIFIED' }), ['b/h-0000', 'b/h-0003'])
    t.deepEqual(await list({ tenantId: 'nobody' }), [])
  })

  test(`${label}: listHosts pages with limit and cursor cover every host exactly once`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 5)
    const { pages, cursors } = await allPages(inventory, { limit: 3 })
    t.deepEqual(
      pages.map((page) => page.length),
      [3, 3, 3, 1],
    )
    t.is(cursors.at(-1), null)
    const all = ids(pages.flat())
    t.deepEqual(all, ids((await inventory.listHosts({ limit: 100 })).hosts))
    t.is(new Set(all).size, 10)
  })

  test(`${label}: a page that ends exactly at the last host has no next cursor`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 4)
    const { pages, cursors } = await allPages(inventory, { tenantId: 'a', limit: 2 })
    t.deepEqual(
      pages.map((page) => page.length),
      [2, 2],
    )
    t.is(cursors.at(-1), null)
  })

  test(`${label}: pagination with a filter is stable when hosts are added and removed between pages`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 6)
    const first = await inventory.listHosts({ tenantId: 'a', desiredState: 'UNSPECIFIED', limit: 3 })
    t.deepEqual(
      first.hosts.map((host) => host.hostId),
      [hostName(0), hostName(1), hostName(2)],
    )
    await inventory.createHost({ tenantId: 'a', hostId: 'h-0001a' }) // before the cursor: not seen
    await inventory.deleteHost({ tenantId: 'a', hostId: hostName(3) })
    await inventory.createHost({ tenantId: 'a', hostId: 'h-0004a' }) // after the cursor: seen
    const second = await inventory.listHosts({
      tenantId: 'a',
      desiredState: 'UNSPECIFIED',
      limit: 3,
      cursor: first.nextCursor ?? '',
    })
    t.deepEqual(
      second.hosts.map((host) => host.hostId),
      [hostName(4), 'h-0004a', hostName(5)],
    )
    t.is(second.nextCursor, null)
  })

  test(`${label}: listHosts rejects a bad cursor or limit with INVALID_INPUT`, async (t) => {
    const inventory = await open(t)
    await rejectsWith(t, inventory.listHosts({ cursor: 'not a cursor' }), 'INVENTORY_INVALID_INPUT')
    await rejectsWith(
      t,
      inventory.listHosts({ cursor: Buffer.from('{"a":1}').toString('base64url') }),
      'INVENTORY_INVALID_INPUT',
    )
    for (const limit of [0, -1, 1.5, 10_001])
      await rejectsWith(t, inventory.listHosts({ limit }), 'INVENTORY_INVALID_INPUT')
    t.deepEqual((await inventory.listHosts({ limit: 10_000 })).hosts, [])
  })

  test(`${label}: countHosts groups by desired, current, indicator and phase, per tenant or all`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 3)
    const provisioned = {
      desiredState: 'PROVISIONED',
      currentState: 'PROVISIONED',
      statusIndicator: 'IDLE',
      phase: 'PROVISIONED',
    } as const
    await inventory.updateHost({ tenantId: 'a', hostId: hostName(0) }, provisioned)
    await inventory.updateHost({ tenantId: 'b', hostId: hostName(0) }, provisioned)
    const notSupported = { currentState: 'UNPROVISIONED', statusIndicator: 'ERROR', phase: 'NOT_SUPPORTED' } as const
    await inventory.updateHost({ tenantId: 'a', hostId: hostName(1) }, { desiredState: 'PROVISIONED', ...notSupported })
    const sorted = <T extends { count: number; currentState: string }>(rows: T[]) =>
      [...rows].sort((x, y) => x.currentState.localeCompare(y.currentState))
    t.deepEqual(sorted(await inventory.countHosts({ tenantId: 'a' })), [
      { ...provisioned, count: 1 },
      { desiredState: 'PROVISIONED', ...notSupported, count: 1 },
      {
        desiredState: 'UNSPECIFIED',
        currentState: 'UNSPECIFIED',
        statusIndicator: 'UNSPECIFIED',
        phase: null,
        count: 1,
      },
    ])
    t.deepEqual(
      sorted(await inventory.countHosts()).map((row) => row.count),
      [2, 1, 3],
    )
    t.deepEqual(await inventory.countHosts({ tenantId: 'nobody' }), [])
  })
}

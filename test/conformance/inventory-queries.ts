import test from 'ava'
import {
  HOST_SORT_KEYS,
  type Host,
  type HostPageRequest,
  type HostSort,
  type Inventory,
  type PasswordRotation,
} from '../../manager/inventory/port.ts'
import { hostName, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const ids = (hosts: readonly Host[]) => hosts.map((host) => `${host.tenantId}/${host.hostId}`)

/** Hosts of two tenants with varied SKU, mode, presence, phase, names and times. */
async function varied(inventory: Inventory): Promise<Host[]> {
  const hosts = await seed(inventory, ['a', 'b'], 12)
  return inventory.updateHosts(
    hosts.map((host, i) => ({
      key: host,
      patch: {
        name: `Node_${i % 5}${i % 2 === 0 ? '%' : ''}`,
        sku: (['AMT', 'ISM', 'UNSPECIFIED'] as const)[i % 3],
        controlMode: i % 4 === 0 ? 'ACM' : 'CCM',
        online: i % 2 === 1,
        phase: i % 3 === 0 ? null : i % 3 === 1 ? 'PROVISIONED' : 'FAILED',
        lastSeen: i % 4 === 0 ? null : new Date(Date.UTC(2026, 0, 1, 0, i % 7)).toISOString(),
        statusTimestamp: 1_700_000_000 + (i % 6),
        currentState: i % 5 === 0 ? 'PROVISIONED' : 'UNPROVISIONED',
      },
    })),
  )
}

async function allPages(inventory: Inventory, request: HostPageRequest): Promise<Host[][]> {
  const pages: Host[][] = []
  let cursor: string | undefined
  do {
    const page = await inventory.listHosts({ ...request, cursor })
    pages.push(page.hosts)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined && pages.length < 100)
  return pages
}

const SORT_VALUE: Record<(typeof HOST_SORT_KEYS)[number], ((host: Host) => string | number) | null> = {
  hostId: null,
  name: (host) => host.name,
  condition: null, // checked against the rule in test/manager/core/host-condition.test.ts
  capability: null,
  currentState: (host) => host.currentState,
  online: (host) => (host.online ? 1 : 0),
  lastSeen: (host) => host.lastSeen ?? '',
  statusTimestamp: (host) => host.statusTimestamp,
}

const compare = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0)

/** A host's rotation record in the state given (the fields as manager/core/flows/rotate-password.ts writes them). */
const rotationIn = (state: PasswordRotation['state'], n: number): PasswordRotation => ({
  id: `0b7e3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a${String(n).padStart(2, '0')}`,
  state,
  generation: 2,
  previous: { origin: 'host', version: 1 },
  newVersion: 2,
  actor: 'api:alice',
  requestedAt: '2026-12-07T10:00:00.000Z',
  settledAt: state === 'pending' ? null : '2026-12-07T10:01:00.000Z',
  reason: state === 'failed' ? 'AMTAuthenticationFailed' : null,
  mpsCopy: state === 'confirmed' ? 'none' : null,
})

export function queryConformance({ label, open }: SuiteContext): void {
  test(`${label}: listHosts filters by sku, controlMode, online and phase (ANDed)`, async (t) => {
    const inventory = await open(t)
    const hosts = await varied(inventory)
    const list = async (request: HostPageRequest) => ids((await inventory.listHosts(request)).hosts)
    const expect = (keep: (host: Host) => boolean) => ids(hosts.filter(keep))
    t.deepEqual(
      await list({ sku: 'ISM' }),
      expect((host) => host.sku === 'ISM'),
    )
    t.deepEqual(
      await list({ controlMode: 'ACM', tenantId: 'b' }),
      expect((h) => h.controlMode === 'ACM' && h.tenantId === 'b'),
    )
    t.deepEqual(
      await list({ online: true }),
      expect((host) => host.online),
    )
    t.deepEqual(
      await list({ online: false, sku: 'AMT' }),
      expect((host) => !host.online && host.sku === 'AMT'),
    )
    t.deepEqual(
      await list({ phase: 'FAILED' }),
      expect((host) => host.phase === 'FAILED'),
    )
    t.true((await list({ phase: 'FAILED' })).length > 0)
  })

  test(`${label}: search is a case-insensitive substring of hostId or name; % and _ match themselves`, async (t) => {
    const inventory = await open(t)
    const hosts = await varied(inventory)
    const list = async (search: string) => ids((await inventory.listHosts({ search })).hosts)
    t.deepEqual(await list('node_3'), ids(hosts.filter((host) => host.name.startsWith('Node_3'))))
    t.deepEqual(await list('H-0011'), ['a/h-0011', 'b/h-0011'])
    t.deepEqual(await list('%'), ids(hosts.filter((host) => host.name.includes('%'))))
    t.deepEqual(await list('e_'), ids(hosts)) // every name has "e_"
    t.deepEqual(await list('o_'), [])
    t.deepEqual(await list('\\'), [])
  })

  for (const key of HOST_SORT_KEYS) {
    for (const sort of [key, `-${key}`] as HostSort[]) {
      test(`${label}: sort ${sort} pages through every host once, in order`, async (t) => {
        const inventory = await open(t)
        await varied(inventory)
        const whole = (await inventory.listHosts({ sort, limit: 1000 })).hosts
        t.is(whole.length, 24)
        for (const request of [
          { sort, limit: 5 },
          { sort, limit: 3, tenantId: 'a' },
        ]) {
          const pages = await allPages(inventory, request)
          const expected = request.tenantId === undefined ? whole : whole.filter((host) => host.tenantId === 'a')
          t.deepEqual(ids(pages.flat()), ids(expected), JSON.stringify(request))
          t.true(pages.slice(0, -1).every((page) => page.length === request.limit))
        }
        const value = SORT_VALUE[key]
        if (value === null && key !== 'hostId') return
        const byKey = (x: Host, y: Host) =>
          compare(value?.(x) ?? '', value?.(y) ?? '') || compare(x.tenantId, y.tenantId) || compare(x.hostId, y.hostId)
        const sorted = [...whole].sort(byKey)
        t.deepEqual(ids(whole), ids(sort.startsWith('-') ? sorted.reverse() : sorted))
      })
    }
  }

  test(`${label}: a cursor only continues the sort it was made for`, async (t) => {
    const inventory = await open(t)
    await varied(inventory)
    const byName = await inventory.listHosts({ sort: 'name', limit: 2 })
    const byKey = await inventory.listHosts({ limit: 2 })
    await rejectsWith(t, inventory.listHosts({ cursor: byName.nextCursor ?? '' }), 'INVENTORY_INVALID_INPUT')
    await rejectsWith(
      t,
      inventory.listHosts({ sort: '-name', cursor: byName.nextCursor ?? '' }),
      'INVENTORY_INVALID_INPUT',
    )
    await rejectsWith(
      t,
      inventory.listHosts({ sort: 'name', cursor: byKey.nextCursor ?? '' }),
      'INVENTORY_INVALID_INPUT',
    )
    await rejectsWith(t, inventory.listHosts({ sort: 'size' as HostSort }), 'INVENTORY_INVALID_INPUT')
  })

  test(`${label}: rotationPending lists the hosts whose rotation is pending (true) or not (false), paged`, async (t) => {
    const inventory = await open(t)
    const hosts = await seed(inventory, ['a', 'b'], 5)
    const states: Record<string, PasswordRotation['state']> = {
      [`a/${hostName(0)}`]: 'pending',
      [`a/${hostName(2)}`]: 'confirmed',
      [`a/${hostName(4)}`]: 'pending',
      [`b/${hostName(1)}`]: 'pending',
      [`b/${hostName(3)}`]: 'failed',
    }
    await inventory.updateHosts(
      hosts.flatMap((host, n) => {
        const state = states[`${host.tenantId}/${host.hostId}`]
        return state === undefined ? [] : [{ key: host, patch: { rotation: rotationIn(state, n) } }]
      }),
    )
    const list = async (request: HostPageRequest) => ids((await inventory.listHosts(request)).hosts)
    const pending = [`a/${hostName(0)}`, `a/${hostName(4)}`, `b/${hostName(1)}`]
    t.deepEqual(await list({ rotationPending: true }), pending)
    t.deepEqual(await list({ rotationPending: true, tenantId: 'b' }), [`b/${hostName(1)}`])
    t.deepEqual(
      await list({ rotationPending: false }),
      ids(hosts).filter((id) => !pending.includes(id)),
      'no rotation, or a settled one',
    )
    t.deepEqual(
      (await allPages(inventory, { rotationPending: true, limit: 1 })).flat().map((host) => host.hostId),
      [hostName(0), hostName(4), hostName(1)],
    )
    t.is((await inventory.listHosts({ rotationPending: true, tenantId: 'a', withTotal: true })).total, 2)
    t.is((await inventory.summarizeHosts('a', { rotationPending: true })).total, 2)

    const settled = { ...rotationIn('confirmed', 0), settledAt: '2026-12-07T10:02:00.000Z' }
    await inventory.updateHost({ tenantId: 'a', hostId: hostName(0) }, { rotation: settled })
    await inventory.updateHost({ tenantId: 'b', hostId: hostName(1) }, { rotation: null })
    t.deepEqual(await list({ rotationPending: true }), [`a/${hostName(4)}`], 'settled or cleared: no longer listed')
  })

  test(`${label}: total counts every matching host on every page, only when asked`, async (t) => {
    const inventory = await open(t)
    await varied(inventory)
    const first = await inventory.listHosts({ tenantId: 'a', online: true, limit: 2, withTotal: true })
    t.is(first.total, 6)
    const second = await inventory.listHosts({
      tenantId: 'a',
      online: true,
      limit: 2,
      withTotal: true,
      cursor: first.nextCursor ?? '',
    })
    t.is(second.total, 6)
    t.is((await inventory.listHosts({ tenantId: 'a' })).total, undefined)
    t.is((await inventory.listHosts({ tenantId: 'nobody', withTotal: true })).total, 0)
  })

  test(`${label}: summarizeHosts counts one tenant's hosts, every key present`, async (t) => {
    const inventory = await open(t)
    await varied(inventory)
    await inventory.updateHost({ tenantId: 'a', hostId: hostName(1) }, { deletion: 'pending' })
    const summary = await inventory.summarizeHosts('a')
    t.like(summary, { total: 12, online: 6, offline: 6, byCapability: { AMT: 4, ISM: 4, NONE: 0, UNKNOWN: 4 } })
    t.is(summary.byCondition.PENDING_DELETION, 1)
    t.is(
      Object.values(summary.byCondition).reduce((sum, count) => sum + count, 0),
      12,
    )
    t.deepEqual(await inventory.summarizeHosts('nobody'), {
      total: 0,
      online: 0,
      offline: 0,
      byCapability: { AMT: 0, ISM: 0, NONE: 0, UNKNOWN: 0 },
      byCondition: {
        PROVISIONED: 0,
        ACTIVATING: 0,
        DEACTIVATING: 0,
        FAILED: 0,
        NOT_SUPPORTED: 0,
        UNPROVISIONED: 0,
        PENDING_DELETION: 0,
      },
    })
  })

  test(`${label}: summarizeHosts with a filter counts only the tenant's matching hosts, as listHosts does`, async (t) => {
    const inventory = await open(t)
    const hosts = await varied(inventory)
    const inA = hosts.filter((host) => host.tenantId === 'a')
    await inventory.setDesiredMany({ keys: inA.slice(0, 7) }, { desiredState: 'PROVISIONED' })
    await inventory.updateHost({ tenantId: 'a', hostId: inA[0]?.hostId ?? '' }, { deletion: 'pending' })
    const filter = { desiredState: 'PROVISIONED', deletion: 'none' } as const
    const summary = await inventory.summarizeHosts('a', filter)
    t.is(summary.total, 6)
    t.is(summary.online + summary.offline, 6)
    for (const condition of ['PROVISIONED', 'FAILED', 'UNPROVISIONED', 'PENDING_DELETION'] as const) {
      const listed = await inventory.listHosts({ ...filter, tenantId: 'a', condition, withTotal: true, limit: 1 })
      t.is(summary.byCondition[condition], listed.total ?? -1, condition)
    }
    t.is((await inventory.summarizeHosts('b', filter)).total, 0)
    t.is((await inventory.summarizeHosts('a', {})).total, 12)
  })
}

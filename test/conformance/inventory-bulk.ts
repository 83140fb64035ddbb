import test from 'ava'
import type { AppendAuditInput, HostKey } from '../../manager/inventory/port.ts'
import { hostName, keyOf, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

/** More items than one statement of an adapter takes (PostgreSQL writes 1000 rows per statement). */
const MANY = 2100
const a = (i: number): HostKey => ({ tenantId: 'a', hostId: hostName(i) })
/** 0..count-1 in a fixed scrambled order (a stride coprime to the count), so input order is not key order. */
const scrambled = (count: number): number[] => Array.from({ length: count }, (_, i) => (i * 977) % count)

/** The batch calls over many items: one answer per item in input order, failures naming the item's position. */
export function bulkConformance({ label, open }: SuiteContext): void {
  test(`${label}: findHosts gives a host or null per key, in the keys' order`, async (t) => {
    const inventory = await open(t)
    const seeded = await seed(inventory, ['a', 'b'], 3)
    const keys = [a(2), { tenantId: 'b', hostId: hostName(0) }, a(7), a(2), { tenantId: 'nobody', hostId: 'x' }]
    t.deepEqual(await inventory.findHosts(keys), [seeded[2], seeded[3], null, seeded[2], null])
    t.deepEqual(await inventory.findHosts([]), [])
    const err = await rejectsWith(
      t,
      inventory.findHosts([a(0), { tenantId: 'a', hostId: 'a/b' }]),
      'INVENTORY_INVALID_INPUT',
    )
    t.is(err.details.index, 1)
  })

  test(`${label}: findHosts of ${MANY} keys in scrambled order`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], MANY)
    const order = scrambled(MANY + 5)
    const found = await inventory.findHosts(order.map(a))
    t.deepEqual(
      found.map((host) => host?.hostId ?? null),
      order.map((i) => (i < MANY ? hostName(i) : null)),
    )
  })

  test(`${label}: setDesiredMany by ${MANY} scrambled keys with repeats: input order, each host once`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], MANY)
    await inventory.updateHost(a(5), { controlMode: 'ACM', status: 'kept' })
    const order = scrambled(MANY)
    const keys = [...order.map(a), a(order[0]!), a(5)]
    const stored = await inventory.setDesiredMany({ keys }, { desiredState: 'PROVISIONED', dnsSuffix: 'x.example' })
    t.deepEqual(
      stored.map((host) => host.hostId),
      order.map(hostName),
    )
    // Host 5's earlier controlMode write was a desired write too (generation 1): this one is its second.
    t.deepEqual(
      stored.filter((host) => host.desiredGeneration !== 1).map((host) => [host.hostId, host.desiredGeneration]),
      [[hostName(5), 2]],
    )
    t.true(stored.every((host) => host.desiredState === 'PROVISIONED' && host.dnsSuffix === 'x.example'))
    t.like(
      stored.find((host) => host.hostId === hostName(5)),
      { version: 3, controlMode: 'ACM', status: 'kept' },
    )
    const read = await inventory.findHosts(stored.map(keyOf))
    t.deepEqual(read, stored, 'what was returned is what is stored')
  })

  test(`${label}: setDesiredMany by ${MANY} keys, one missing near the end: NOT_FOUND at its position, nothing written`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], MANY)
    const keys = scrambled(MANY).map(a)
    keys.splice(MANY - 50, 0, a(MANY + 1))
    const err = await rejectsWith(
      t,
      inventory.setDesiredMany({ keys }, { desiredState: 'PROVISIONED' }),
      'INVENTORY_NOT_FOUND',
    )
    t.like(err.details, { index: MANY - 50, ...a(MANY + 1) })
    const invalid = [a(0), a(MANY + 1), { tenantId: 'a', hostId: '' }]
    const first = await rejectsWith(
      t,
      inventory.setDesiredMany({ keys: invalid }, { desiredState: 'PROVISIONED' }),
      'INVENTORY_NOT_FOUND',
    )
    t.is(first.details.index, 1, 'the first failing key in input order')
    t.deepEqual(await inventory.countHosts({ tenantId: 'a' }), [
      {
        desiredState: 'UNSPECIFIED',
        currentState: 'UNSPECIFIED',
        statusIndicator: 'UNSPECIFIED',
        phase: null,
        count: MANY,
      },
    ])
  })

  test(`${label}: setDesiredMany of hosts as read: those changed since are written as they are now, each once`, async (t) => {
    const inventory = await open(t)
    const read = await seed(inventory, ['a'], MANY)
    // Written by others after the read: another desired write (a generation), and a field the desired write keeps.
    await inventory.setDesiredMany({ keys: [a(7)] }, { desiredState: 'UNPROVISIONED' })
    await inventory.updateHost(a(MANY - 1), { status: 'reported since' })
    const hosts = [...read.slice().reverse(), read[7]!]
    const stored = await inventory.setDesiredMany({ hosts }, { desiredState: 'PROVISIONED' })
    t.deepEqual(
      stored.map((host) => host.hostId),
      read.map((host) => host.hostId).reverse(),
      'in input order, each host once',
    )
    t.like(stored[MANY - 1 - 7], { desiredState: 'PROVISIONED', desiredGeneration: 2, version: 3 })
    t.like(stored[0], { hostId: hostName(MANY - 1), desiredGeneration: 1, version: 3, status: 'reported since' })
    t.true(stored.slice(1).every((host) => host.hostId === hostName(7) || host.version === 2))
    t.deepEqual(await inventory.findHosts(stored.map(keyOf)), stored, 'what was returned is what is stored')
  })

  test(`${label}: setDesiredMany of hosts as read, one deleted since: NOT_FOUND at its position, nothing written`, async (t) => {
    const inventory = await open(t)
    const read = await seed(inventory, ['a'], MANY)
    await inventory.deleteHost(a(MANY - 50))
    const err = await rejectsWith(
      t,
      inventory.setDesiredMany({ hosts: read }, { desiredState: 'PROVISIONED' }),
      'INVENTORY_NOT_FOUND',
    )
    t.like(err.details, { index: MANY - 50, ...a(MANY - 50) })
    t.deepEqual(
      await inventory.findHosts(read.slice(0, 3).map(keyOf)),
      read.slice(0, 3),
      'the hosts before it are as they were',
    )
  })

  test(`${label}: appendAudit of ${MANY} events: ids increasing in input order, an invalid one rolls back all`, async (t) => {
    const inventory = await open(t)
    const events: AppendAuditInput[] = Array.from({ length: MANY }, (_, n) => ({
      ...a(n % 7),
      kind: n % 2 === 0 ? 'desired.set' : 'state',
      actor: 'test',
      detail: { n, text: `quote " backslash \\ brace { ${n}` },
    }))
    const stored = await inventory.appendAudit(events)
    t.deepEqual(
      stored.map((event) => (event.detail as { n: number }).n),
      events.map((_, n) => n),
    )
    t.true(stored.every((event, n) => n === 0 || event.id > stored[n - 1]!.id))
    const listed = await inventory.listAudit('a', { limit: MANY })
    t.deepEqual(listed, [...stored].reverse(), 'what was returned is what is stored, newest first')
    const bad = [...events]
    bad.splice(MANY - 10, 0, { ...a(0), kind: '', actor: 'test' })
    const err = await rejectsWith(t, inventory.appendAudit(bad), 'INVENTORY_INVALID_INPUT')
    t.is(err.details.index, MANY - 10)
    t.is((await inventory.listAudit('a', { limit: MANY + 1 })).length, MANY)
  })
}

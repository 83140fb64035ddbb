import test, { type ExecutionContext } from 'ava'
import { InventoryError } from '../../manager/inventory/errors.ts'
import type { Inventory } from '../../manager/inventory/port.ts'
import { keyOf, seed, type SuiteContext } from './inventory-support.ts'

/** Two Inventories on one fresh store (two connections or pools, as two replicas of the manager have). */
export type SharedInventories = () => Promise<readonly [Inventory, Inventory]>

/**
 * Optimistic concurrency across processes: what one replica writes the other reads, a stale expectedVersion
 * loses, and writes without one are applied one after the other on the stored host (none is lost).
 */
export function sharingConformance({ label }: SuiteContext, openShared: SharedInventories): void {
  const open = async (t: ExecutionContext) => {
    const both = await openShared()
    t.teardown(async () => {
      for (const inventory of both) await inventory.close()
    })
    return both
  }

  test(`${label}: two stores on one database see each other's writes`, async (t) => {
    const [one, two] = await open(t)
    const [created] = await seed(one, ['acme'], 1)
    t.deepEqual(await two.getHost(keyOf(created!)), created)
    await two.updateHost(keyOf(created!), { name: 'by two' })
    t.is((await one.getHost(keyOf(created!))).name, 'by two')
  })

  test(`${label}: two stores writing one host with the same expectedVersion: exactly one wins`, async (t) => {
    const [one, two] = await open(t)
    const [created] = await seed(one, ['acme'], 1)
    const key = keyOf(created!)
    const results = await Promise.allSettled(
      [one, two, one, two].map((inventory, i) => inventory.updateHost(key, { name: `w${i}` }, { expectedVersion: 1 })),
    )
    const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    t.is(won.length, 1)
    const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []))
    t.true(lost.every((err) => err instanceof InventoryError && err.code === 'INVENTORY_VERSION_CONFLICT'))
    t.deepEqual(await two.getHost(key), won[0])
    t.is(won[0]?.version, 2)
  })

  test(`${label}: concurrent writes from two stores without expectedVersion are all applied`, async (t) => {
    const [one, two] = await open(t)
    const [created] = await seed(one, ['acme'], 1)
    const key = keyOf(created!)
    const bootId = 'boot-1'
    await one.updateHost(key, { bootId })
    const writes = [
      ...[1, 2, 3, 4].map((seq) => one.updateHost(key, { bootId, lastSeq: { state: seq } })),
      ...[1, 2, 3, 4].map((seq) => two.updateHost(key, { bootId, lastSeq: { presence: seq } })),
    ]
    await Promise.all(writes)
    const stored = await one.getHost(key)
    t.is(stored.version, 2 + writes.length, 'every write made a version')
    t.deepEqual(Object.keys(stored.lastSeq).sort(), ['presence', 'state'], 'neither store overwrote the other')
  })
}

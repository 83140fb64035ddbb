import test from 'ava'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { openPostgresInventory } from '../../../manager/inventory/postgres/open.ts'
import type { Inventory } from '../../../manager/inventory/port.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { inventoryConformance } from '../../conformance/inventory.ts'

const freshDatabase = usePostgres(test)

/** The Inventory on its own pool, which its close() ends too (in the manager, the pool is the wiring's). */
async function openOwning(url: string): Promise<Inventory> {
  const pool = await openPostgresPool({ url, poolSize: 4 })
  const inventory = await openPostgresInventory({ pool }).catch(async (err: unknown) => {
    await pool.end()
    throw err
  })
  let closing: Promise<void> | undefined
  return new Proxy(inventory, {
    get(target, property) {
      if (property === 'close') return () => (closing ??= target.close().then(() => pool.end()))
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value.bind(target) as unknown) : value
    },
  })
}

inventoryConformance('postgres', async () => openOwning(await freshDatabase('inventory')), {
  openShared: async () => {
    const url = await freshDatabase('shared')
    return [await openOwning(url), await openOwning(url)]
  },
})

import type pg from 'pg'
import type { Logger } from '../../../lib/log.ts'
import { migratePostgres, SchemaTooNewError } from '../../database/postgres-migrations.ts'
import { DatabaseError } from '../../database/postgres-pool.ts'
import { InventoryError } from '../errors.ts'
import type { Inventory } from '../port.ts'
import { INVENTORY_MIGRATIONS } from './migrations.ts'
import { asInventoryError } from './pg-error.ts'
import { PostgresInventory } from './postgres-inventory.ts'

export interface PostgresInventoryOptions {
  /** The manager's pool (manager/database/postgres-pool.ts); the Inventory never ends it. */
  pool: pg.Pool
  /** The clock (tests). */
  now?: () => Date
  log?: Logger
}

/**
 * Migrates the component 'inventory' (./migrations.ts; replicas starting together take turns on an advisory
 * lock) and returns the Inventory on the pool. Rejects with INVENTORY_SCHEMA_TOO_NEW on a database of a newer
 * release (nothing changed), INVENTORY_MIGRATION_FAILED (the step rolled back), or INVENTORY_STORAGE_FAILED when
 * the database cannot be reached.
 */
export async function openPostgresInventory({ pool, now, log }: PostgresInventoryOptions): Promise<Inventory> {
  try {
    const { from, to } = await migratePostgres(pool, 'inventory', INVENTORY_MIGRATIONS, log)
    log
      ?.child({ module: 'inventory' })
      .info({ engine: 'postgres', schemaVersion: to, migratedFrom: from === to ? undefined : from }, 'inventory opened')
  } catch (err) {
    if (err instanceof SchemaTooNewError)
      throw new InventoryError('INVENTORY_SCHEMA_TOO_NEW', `the inventory database: ${err.message}`, { cause: err })
    if (err instanceof DatabaseError)
      throw new InventoryError('INVENTORY_MIGRATION_FAILED', `inventory: ${err.message}`, { cause: err })
    throw asInventoryError(err)
  }
  return new PostgresInventory(pool, now)
}

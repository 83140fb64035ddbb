import { auditConformance } from './inventory-audit.ts'
import { batchConformance } from './inventory-batch.ts'
import { hostConformance } from './inventory-hosts.ts'
import { listConformance } from './inventory-lists.ts'
import { queryConformance } from './inventory-queries.ts'
import { recordConformance } from './inventory-records.ts'
import { suiteContext, type InventoryFactory } from './inventory-support.ts'
import { tenantConformance } from './inventory-tenants.ts'

export type { InventoryFactory }

/**
 * The Inventory contract (manager/inventory/port.ts), run against every adapter: each test gets a fresh, empty
 * Inventory from `create` and closes it in its teardown.
 */
export function inventoryConformance(label: string, create: InventoryFactory): void {
  const context = suiteContext(label, create)
  tenantConformance(context)
  hostConformance(context)
  listConformance(context)
  queryConformance(context)
  batchConformance(context)
  recordConformance(context)
  auditConformance(context)
}

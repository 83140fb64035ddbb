import { acmCertificateConformance } from './inventory-acm-certificates.ts'
import { auditConformance } from './inventory-audit.ts'
import { batchConformance } from './inventory-batch.ts'
import { bulkConformance } from './inventory-bulk.ts'
import { groupConformance } from './inventory-groups.ts'
import { hostConformance } from './inventory-hosts.ts'
import { listConformance } from './inventory-lists.ts'
import { queryConformance } from './inventory-queries.ts'
import { recordConformance } from './inventory-records.ts'
import { suiteContext, type InventoryFactory } from './inventory-support.ts'
import { sharingConformance, type SharedInventories } from './inventory-sharing.ts'
import { tenantConformance } from './inventory-tenants.ts'

export type { InventoryFactory }

/**
 * The Inventory contract (manager/inventory/port.ts), run against every adapter: each test gets a fresh, empty
 * Inventory from `create` and closes it in its teardown. An adapter whose store several processes can share gives
 * `openShared` too (two Inventories on one fresh store): the concurrency of replicas is then tested as well.
 */
export function inventoryConformance(
  label: string,
  create: InventoryFactory,
  options: { openShared?: SharedInventories } = {},
): void {
  const context = suiteContext(label, create)
  tenantConformance(context)
  hostConformance(context)
  listConformance(context)
  queryConformance(context)
  batchConformance(context)
  bulkConformance(context)
  recordConformance(context)
  auditConformance(context)
  groupConformance(context)
  acmCertificateConformance(context, options.openShared)
  if (options.openShared) sharingConformance(context, options.openShared)
}

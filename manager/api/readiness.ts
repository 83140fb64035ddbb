import type { Inventory } from '../inventory/port.ts'

/** One dependency's readiness, as /readyz reports it. `detail` is a short reason, never a secret. */
export interface ReadinessCheck {
  name: string
  ok: boolean
  detail?: string
}

/** Called on every /readyz: the manager's main passes one covering Inventory and the MQTT bus. */
export type Readiness = () => Promise<ReadinessCheck[]>

/** Inventory answers a query. */
export function inventoryCheck(inventory: Pick<Inventory, 'listTenants'>): () => Promise<ReadinessCheck> {
  return async () => {
    try {
      await inventory.listTenants()
      return { name: 'inventory', ok: true }
    } catch (err) {
      return { name: 'inventory', ok: false, detail: err instanceof Error ? err.name : 'failed' }
    }
  }
}

/** Runs every check (concurrently); a check that throws counts as not ok. */
export function combineChecks(...checks: Array<() => Promise<ReadinessCheck> | ReadinessCheck>): Readiness {
  return () =>
    Promise.all(
      checks.map(async (check, index) => {
        try {
          return await check()
        } catch {
          return { name: `check-${index}`, ok: false, detail: 'check failed' }
        }
      }),
    )
}

import { Gauge, type Registry } from 'prom-client'
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

/**
 * The bus delivers: connected, subscriptions granted, and the latest delivery probe came back (a broker may grant
 * a subscription its ACL denies and then deliver nothing; docs/operations.md, "Health and metrics").
 */
export function busCheck(bus: { health(): { ok: true } | { ok: false; detail: string } }): () => ReadinessCheck {
  return () => {
    const health = bus.health()
    return health.ok ? { name: 'bus', ok: true } : { name: 'bus', ok: false, detail: health.detail }
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

/**
 * `amt_manager_ready` (1 when /readyz would answer 200, else 0) and `amt_manager_readiness_check{check}` (1 ok, 0 not),
 * run at scrape time: an alert on a manager that is up but not ready needs no probe of its own.
 */
export function readinessMetrics(registry: Registry, readiness: Readiness): void {
  // Both gauges are collected concurrently at a scrape: they share one run of the checks.
  let running: Promise<ReadinessCheck[]> | null = null
  const checks = (): Promise<ReadinessCheck[]> =>
    (running ??= readiness().finally(() => {
      running = null
    }))
  new Gauge({
    name: 'amt_manager_ready',
    help: 'Whether the manager is ready (/readyz: Inventory answers, the MQTT bus delivers)',
    registers: [registry],
    async collect() {
      this.set((await checks()).every((check) => check.ok) ? 1 : 0)
    },
  })
  new Gauge({
    name: 'amt_manager_readiness_check',
    help: 'Readiness by check (inventory, bus): 1 ok, 0 failing',
    labelNames: ['check'] as const,
    registers: [registry],
    async collect() {
      const latest = await checks()
      this.reset()
      for (const check of latest) this.set({ check: check.name }, check.ok ? 1 : 0)
    },
  })
}

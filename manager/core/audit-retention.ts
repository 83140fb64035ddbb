import type { Logger } from '../../lib/log.ts'
import type { AuditPruneCursor, Inventory } from '../inventory/port.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'

/** docs/inventory.md "Audit retention"; config `audit.retention`. */
export interface AuditRetentionPolicy {
  /** Activity events (device chatter) older than this are deleted. */
  maxAgeDays: number
  /** Activity events kept per host, the newest. */
  maxEventsPerHost: number
  /** Security events older than this are deleted; absent: kept for ever. Device chatter never evicts them. */
  securityMaxAgeDays?: number
  /** How often a pruning pass runs. */
  intervalMs: number
  /** Rows deleted per write transaction (the event loop and other writers get a turn between batches). */
  batchSize: number
}

export const DEFAULT_AUDIT_RETENTION: AuditRetentionPolicy = {
  maxAgeDays: 30,
  maxEventsPerHost: 1000,
  intervalMs: 300_000,
  batchSize: 500,
}

const DAY_MS = 86_400_000

export interface AuditPruneResult {
  age: number
  count: number
  securityAge: number
}

export interface AuditRetentionDeps {
  inventory: Pick<Inventory, 'pruneAuditOlderThan' | 'pruneAuditOverCount'>
  log: Logger
  metrics: ManagerMetrics
  now: () => Date
  policy: AuditRetentionPolicy
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Prunes the audit trail every `intervalMs`: activity events by age, then by count per host; security events only
 * by their own age limit. Every step is a short transaction of at most `batchSize` rows with a turn of the event
 * loop between, so ingest and API writes are never held behind a long write lock. A failed pass is logged and
 * tried again at the next interval.
 */
export class AuditRetention {
  readonly #deps: AuditRetentionDeps
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<AuditPruneResult | null> | null = null
  #stopped = false

  constructor(deps: AuditRetentionDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'audit-retention' })
  }

  start(): void {
    this.#stopped = false
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => void this.prune(), this.#deps.policy.intervalMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** One pass now (a pass already running is joined); null when it failed. */
  prune(): Promise<AuditPruneResult | null> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #pass(): Promise<AuditPruneResult | null> {
    const { inventory, policy, metrics, now } = this.#deps
    try {
      const age = await this.#batches(() =>
        inventory.pruneAuditOlderThan('activity', ago(now(), policy.maxAgeDays), policy.batchSize),
      )
      let count = 0
      let from: AuditPruneCursor | null | undefined
      while (from !== null && !this.#stopped) {
        const step = await inventory.pruneAuditOverCount({
          maxPerHost: policy.maxEventsPerHost,
          limit: policy.batchSize,
          ...(from ? { from } : {}),
        })
        count += step.deleted
        from = step.next
        await turn()
      }
      const securityDays = policy.securityMaxAgeDays
      const securityAge =
        securityDays === undefined
          ? 0
          : await this.#batches(() =>
              inventory.pruneAuditOlderThan('security', ago(now(), securityDays), policy.batchSize),
            )
      metrics.auditPruned.inc({ reason: 'age' }, age)
      metrics.auditPruned.inc({ reason: 'count' }, count)
      metrics.auditPruned.inc({ reason: 'security-age' }, securityAge)
      if (age + count + securityAge > 0) this.#log.info({ age, count, securityAge }, 'audit events pruned')
      return { age, count, securityAge }
    } catch (err) {
      this.#log.error({ err }, 'audit pruning failed; tried again at the next interval')
      return null
    }
  }

  async #batches(step: () => Promise<number>): Promise<number> {
    let total = 0
    for (;;) {
      const deleted = await step()
      total += deleted
      if (deleted < this.#deps.policy.batchSize || this.#stopped) return total
      await turn()
    }
  }
}

const ago = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS).toISOString()

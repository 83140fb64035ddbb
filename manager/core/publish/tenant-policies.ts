import type { Logger } from '../../../lib/log.ts'
import type { PasswordPolicy, Tenant } from '../../inventory/port.ts'

export type TenantPolicy = Pick<Tenant, 'tenantId' | 'passwordPolicy'>

export interface TenantPoliciesDeps {
  getTenant: (tenantId: string) => Promise<Pick<Tenant, 'passwordPolicy'>>
  listTenants: () => Promise<TenantPolicy[]>
  log?: Logger
}

/**
 * The tenants' password policies, held in memory so a profile name is decided synchronously (activation-profile.ts).
 * Tenants are few: every one is read by `refresh` (the core's start/reconnect sweep), a tenant written through this
 * process is followed at once (`written`, the core's tenant-write hook), and a tenant this process has not seen (one
 * created by another process since) is read on a miss (`readMissing`). A read that started before a tenant was
 * written through this process never overwrites what was written.
 */
export class TenantPolicies {
  readonly #deps: TenantPoliciesDeps
  readonly #policies = new Map<string, PasswordPolicy>()
  readonly #reading = new Map<string, Promise<void>>()
  /** Per tenant, the `#writes` count at its last write through this process (a read older than that is stale). */
  readonly #writtenAt = new Map<string, number>()
  #writes = 0

  constructor(deps: TenantPoliciesDeps) {
    this.#deps = deps
  }

  /** The tenant's policy; undefined while this process has not seen the tenant. */
  policyOf(tenantId: string): PasswordPolicy | undefined {
    return this.#policies.get(tenantId)
  }

  /** A tenant created or changed through this process. */
  written({ tenantId, passwordPolicy }: TenantPolicy): void {
    this.#writtenAt.set(tenantId, ++this.#writes)
    this.#policies.set(tenantId, passwordPolicy)
  }

  /**
   * Reads the tenants not known yet (once each; concurrent reads are shared); known ones cost nothing. Every tenant
   * is tried; the first failure is rethrown once all settled (the others are known then). A failure is not remembered.
   */
  async readMissing(tenantIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(tenantIds)].filter((tenantId) => !this.#policies.has(tenantId))
    if (missing.length === 0) return
    const results = await Promise.allSettled(missing.map((tenantId) => this.#readOne(tenantId)))
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  }

  /** Reads every tenant again: policies changed by another process are followed, deleted tenants forgotten. */
  async refresh(): Promise<void> {
    const started = this.#writes
    const tenants = await this.#deps.listTenants()
    const listed = new Set<string>()
    for (const tenant of tenants) {
      listed.add(tenant.tenantId)
      if (this.#currentAsOf(tenant.tenantId, started)) this.#policies.set(tenant.tenantId, tenant.passwordPolicy)
    }
    for (const tenantId of this.#policies.keys()) {
      if (!listed.has(tenantId) && this.#currentAsOf(tenantId, started)) this.#policies.delete(tenantId)
    }
    this.#deps.log?.debug({ tenants: tenants.length }, 'tenant password policies read for profile names')
  }

  #readOne(tenantId: string): Promise<void> {
    let pending = this.#reading.get(tenantId)
    if (pending === undefined) {
      const started = this.#writes
      pending = this.#deps
        .getTenant(tenantId)
        .then(({ passwordPolicy }) => {
          if (this.#currentAsOf(tenantId, started)) this.#policies.set(tenantId, passwordPolicy)
          this.#deps.log?.debug({ tenantId, policy: passwordPolicy }, 'tenant password policy read for profile names')
        })
        .finally(() => this.#reading.delete(tenantId))
      this.#reading.set(tenantId, pending)
    }
    return pending
  }

  /** True when a read that started at `started` is not older than the tenant's last write through this process. */
  #currentAsOf(tenantId: string, started: number): boolean {
    return (this.#writtenAt.get(tenantId) ?? 0) <= started
  }
}

import type { Logger } from '../../lib/log.ts'
import { groupByTenant } from '../inventory/group-by-tenant.ts'
import { noPreparation, type ProvisioningPreparer } from '../ports/provisioning.ts'
import type { Host, Tenant } from '../inventory/port.ts'
import type { DeviceRegistration } from './device-registration.ts'
import type { TenantProvisioning } from './tenant-provisioning.ts'

/** The outcome of the last preparation of a tenant (shown by the API; in memory, per manager process). */
export interface PreparationStatus {
  ok: boolean
  /** "ready", or why it failed (never a secret). */
  message: string
  /** ISO time. */
  at: string
}

export interface DmtPreparer extends ProvisioningPreparer {
  statusOf(tenantId: string): PreparationStatus | null
}

export interface DmtPreparerDeps {
  provisioning: TenantProvisioning
  registration: DeviceRegistration
  getTenant(tenantId: string): Promise<Tenant>
  log: Logger
  now?: () => Date
}

/**
 * The RPS/MPS part of the domain's ProvisioningPreparer (called by setDesired before desired PROVISIONED is
 * written), per tenant of the hosts, as named steps: tenant RPS objects (CIRA config, tenant profiles) → per-host
 * profiles (random policy) → MPS device registration. A failure throws (setDesired answers PREPARATION_FAILED and
 * writes nothing) and is kept as the tenant's status; the user's retry converges once RPS/MPS are back. Nothing is
 * rolled back: RPS objects created before a failure at MPS are what the retry wants, so it only reads them.
 * Single-flight per tenant: preparations of one tenant run one after the other in this process (a second one,
 * e.g. a concurrent API call, waits and then finds everything in place: reads only). Across processes the steps
 * themselves are race-free (ensure-object.ts).
 */
export function createDmtPreparer(deps: DmtPreparerDeps): DmtPreparer {
  const log = deps.log.child({ module: 'dmt-preparer' })
  const now = deps.now ?? (() => new Date())
  const statuses = new Map<string, PreparationStatus>()
  const running = new Map<string, Promise<unknown>>()

  const oneAtATime = <T>(tenantId: string, task: () => Promise<T>): Promise<T> => {
    const run = (running.get(tenantId) ?? Promise.resolve()).then(task, task)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    running.set(tenantId, settled)
    void settled.then(() => {
      if (running.get(tenantId) === settled) running.delete(tenantId)
    })
    return run
  }

  const prepareTenant = async (tenantId: string, hosts: readonly Host[]): Promise<string[]> => {
    const tenant = await deps.getTenant(tenantId)
    const { hasDomain, changes } = await deps.provisioning.ensureTenant(tenant)
    if (tenant.passwordPolicy === 'random')
      changes.push(...(await deps.provisioning.ensureHostProfiles(tenant, hosts, hasDomain)))
    changes.push(...(await deps.registration.ensureDevices(hosts)))
    return changes
  }

  return {
    statusOf: (tenantId) => statuses.get(tenantId) ?? null,
    async prepare(hosts) {
      for (const [tenantId, tenantHosts] of groupByTenant(hosts)) {
        try {
          const changes = await oneAtATime(tenantId, () => prepareTenant(tenantId, tenantHosts))
          statuses.set(tenantId, { ok: true, message: 'ready', at: now().toISOString() })
          log.info(
            { tenantId, hosts: tenantHosts.length, changes },
            changes.length > 0
              ? 'provisioning prepared (RPS/MPS changed)'
              : 'provisioning prepared (nothing to change)',
          )
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err)
          statuses.set(tenantId, { ok: false, message, at: now().toISOString() })
          log.warn({ tenantId, hosts: tenantHosts.length, reason: message }, 'provisioning could not be prepared')
          throw err
        }
      }
    },
  }
}

/** Runs the preparers in order (e.g. passwords first, then RPS profiles that carry them); the first failure stops. */
export function composePreparers(...preparers: ProvisioningPreparer[]): ProvisioningPreparer {
  return {
    async prepare(hosts) {
      for (const preparer of preparers) await preparer.prepare(hosts)
    },
  }
}

export const DMT_NOT_CONFIGURED_MESSAGE = 'RPS/MPS not configured: profiles are not managed'

/** Without RPS/MPS (the embedded demo): nothing to prepare, said once at start. */
export function dmtNotConfigured(log: Logger): ProvisioningPreparer {
  log.info({ module: 'dmt' }, DMT_NOT_CONFIGURED_MESSAGE)
  return noPreparation
}

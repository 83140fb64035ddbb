import type { Logger } from '../../lib/log.ts'
import type { Host, HostKey, Tenant } from '../inventory/port.ts'
import type { DmtConfig } from './config.ts'
import { DeviceRegistration } from './device-registration.ts'
import { HttpService } from './http-service.ts'
import { MpsClient } from './mps-client.ts'
import type { MpsPort, ProfilePasswords, RpsPort } from './ports.ts'
import { createDmtPreparer, type DmtPreparer } from './preparer.ts'
import { RpsClient } from './rps-client.ts'
import { TenantProvisioning } from './tenant-provisioning.ts'

export interface DmtDeps {
  /** Inventory's getTenant (the tenant's password policy). */
  getTenant(tenantId: string): Promise<Tenant>
  /** Inventory's findHost (the AMT UUID its capability carries: the MPS device's GUID). */
  findHost(key: HostKey): Promise<Host | null>
  passwords: ProfilePasswords
  log: Logger
  now?: () => Date
  /** Told after every RPS/MPS call whether the server answered (manager/wiring/dependency-metrics.ts). */
  reachability?: (service: 'rps' | 'mps', reachable: boolean) => void
}

/** Everything the manager does with RPS and MPS, built once by main() when `dmt` is configured. */
export interface Dmt {
  config: DmtConfig
  rps: RpsPort
  mps: MpsPort
  provisioning: TenantProvisioning
  registration: DeviceRegistration
  /** Plug into createManagerCore({ preparer }) (after the secrets preparer: composePreparers). */
  preparer: DmtPreparer
  /** For the deletion flow, before the Inventory record goes: its per-host profiles and its MPS device. */
  removeHost(key: HostKey): Promise<void>
  /** When a tenant is removed: all its RPS objects (profiles, ACM domain, CIRA config). */
  removeTenant(tenantId: string): Promise<void>
}

export function createDmt(config: DmtConfig, deps: DmtDeps): Dmt {
  const log = deps.log.child({ module: 'dmt' })
  const { reachability } = deps
  const dependencyOf = { RPS: 'rps', MPS: 'mps' } as const
  const service = (name: 'RPS' | 'MPS', settings: DmtConfig['rps'] | DmtConfig['mps']) =>
    new HttpService({
      service: name,
      baseUrl: settings.url,
      timeoutMs: settings.timeoutMs,
      retry: settings.retry,
      log,
      ...(settings.token === undefined ? {} : { token: settings.token }),
      ...(reachability === undefined
        ? {}
        : { onReachability: (reachable: boolean) => reachability(dependencyOf[name], reachable) }),
    })
  const rps = new RpsClient(service('RPS', config.rps))
  const mps = new MpsClient(service('MPS', config.mps))
  const { publicAddress, port, username, ciraPassword } = config.mps
  const provisioning = new TenantProvisioning({
    rps,
    mps,
    passwords: deps.passwords,
    cira: { publicAddress, port, username, ...(ciraPassword === undefined ? {} : { ciraPassword }) },
    log,
    concurrency: config.concurrency,
  })
  const registration = new DeviceRegistration({ mps, mpsUsername: username, log, concurrency: config.concurrency })
  const preparer = createDmtPreparer({
    provisioning,
    registration,
    getTenant: (tenantId) => deps.getTenant(tenantId),
    log,
    ...(deps.now ? { now: deps.now } : {}),
  })
  // Origins only: a URL's user info (if someone put credentials there) never reaches the log.
  log.info(
    { rps: new URL(config.rps.url).origin, mps: new URL(config.mps.url).origin, mpsPublicAddress: publicAddress },
    'RPS/MPS configured: tenant profiles and MPS devices are managed',
  )
  return {
    config,
    rps,
    mps,
    provisioning,
    registration,
    preparer,
    async removeHost(key) {
      const changes = await provisioning.removeHost(key)
      const host = await deps.findHost(key)
      if (await registration.removeDevice({ ...key, capability: host?.capability ?? null }))
        changes.push('removed MPS device')
      log.info({ ...key, changes }, 'host removed from RPS/MPS')
    },
    async removeTenant(tenantId) {
      await provisioning.removeTenant(tenantId)
    },
  }
}

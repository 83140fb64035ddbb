import type { Logger } from '../../lib/log.ts'
import type { HostKey, Inventory } from '../inventory/port.ts'
import type { HostWriter } from '../ports/host-writer.ts'
import type { Dmt } from './create-dmt.ts'
import { requestPowerAction, type PowerAction, type PowerActionResult } from './power.ts'
import type { PowerDeps } from './power-deps.ts'
import { readPowerState, type PowerReading } from './power-state.ts'
import type { PreparationStatus } from './preparer.ts'
import { ciraConfigNameOf, domainNameOf, MODES, tenantProfileNameOf } from './rps-objects.ts'
import { removeAcmCertificate, storeAcmCertificate } from './acm-certificate-store.ts'
import { expiryWarningOf } from './provisioning-certificate.ts'
import { factsOfPfx } from './provisioning-certificate-facts.ts'
import type { DomainRecord } from './rps-types.ts'
import { removeTenantDomain, setTenantDomain, type DomainRequest, type DomainSetResult } from './tenant-domain.ts'

/** The tenant's ACM domain as the API shows it: the certificate's expiry (RPS's `expirationDate`) and a warning. */
interface DomainView {
  name: string
  domainSuffix: string
  /** The provisioning certificate's notAfter (ISO), null when RPS has none. */
  expiresAt: string | null
  /** Set when the certificate expires within 30 days or has expired. */
  expiryWarning: string | null
}

/** What the tenant's RPS holds right now, plus the last preparation outcome. */
interface ProvisioningView {
  ciraConfig: string | null
  profiles: string[]
  domain: DomainView | null
  lastPreparation: PreparationStatus | null
}

/** The RPS/MPS functions the HTTP API calls (absent from the API context when RPS/MPS are not configured). */
export interface DmtApi {
  requestPowerAction(key: HostKey, action: PowerAction, actor: string): Promise<PowerActionResult>
  readPowerState(key: HostKey): Promise<PowerReading>
  setTenantDomain(
    tenantId: string,
    request: DomainRequest,
    actor: string,
  ): Promise<DomainSetResult & { expiryWarning: string | null }>
  removeTenantDomain(tenantId: string, actor: string): Promise<boolean>
  provisioningOf(tenantId: string): Promise<ProvisioningView>
}

export interface DmtApiDeps {
  dmt: Pick<Dmt, 'rps' | 'mps' | 'preparer'>
  /** Tenant-wide audit events (ACM domain set / removed; no host row changes). */
  inventory: Pick<Inventory, 'appendAudit' | 'putAcmCertificate' | 'deleteAcmCertificate'>
  /** The manager core: host reads and the one host-write path (power fields). */
  core: Pick<HostWriter, 'getHost' | 'updateHost'>
  log: Logger
}

/** The power functions' dependencies (the API's and the power sweep's). */
export const powerDepsOf = ({ dmt, core, log }: DmtApiDeps): PowerDeps => ({
  core,
  mps: dmt.mps,
  log: log.child({ module: 'dmt-power' }),
  now: () => Date.now(),
})

export function createDmtApi(deps: DmtApiDeps): DmtApi {
  const { dmt, inventory, log } = deps
  const power = powerDepsOf(deps)
  const audit = async (tenantId: string, kind: string, actor: string, detail: { [key: string]: string }) => {
    try {
      await inventory.appendAudit([{ tenantId, kind, actor, detail }])
    } catch (err) {
      log.error({ err, tenantId }, 'audit append failed')
    }
  }
  /** The PFX's public chain facts, stored for ACM eligibility (the key and the password never are). */
  const storeDomainCertificate = async (tenantId: string, request: DomainRequest, actor: string) => {
    const facts = factsOfPfx(request)
    if (facts === null) return
    try {
      await storeAcmCertificate(inventory, { tenantId, source: 'rps-domain', facts, actor })
    } catch (err) {
      log.error({ err, tenantId }, "the RPS domain's certificate facts could not be stored")
    }
  }
  return {
    requestPowerAction: (key, action, actor) => requestPowerAction(power, key, action, actor),
    readPowerState: (key) => readPowerState(power, key),
    async setTenantDomain(tenantId, request, actor) {
      const result = await setTenantDomain(dmt.rps, tenantId, request)
      await storeDomainCertificate(tenantId, request, actor)
      await audit(tenantId, 'amt.domain.set', actor, {
        domainSuffix: request.domainSuffix,
        expiresAt: result.notAfter.toISOString(),
      })
      const expiryWarning = expiryWarningOf(result.notAfter)
      if (expiryWarning !== null) log.warn({ tenantId, expiresAt: result.notAfter.toISOString() }, expiryWarning)
      return { ...result, expiryWarning }
    },
    async removeTenantDomain(tenantId, actor) {
      const removed = await removeTenantDomain(dmt.rps, tenantId)
      if (removed) await audit(tenantId, 'amt.domain.removed', actor, {})
      await removeAcmCertificate(inventory, { tenantId, source: 'rps-domain', actor }).catch((err: unknown) => {
        log.error({ err, tenantId }, "the RPS domain's certificate facts could not be removed")
      })
      return removed
    },
    async provisioningOf(tenantId) {
      const cira = await dmt.rps.getCiraConfig(ciraConfigNameOf(tenantId))
      const profiles: string[] = []
      for (const mode of MODES) {
        const profile = await dmt.rps.getProfile(tenantProfileNameOf(tenantId, mode))
        if (profile) profiles.push(profile.profileName)
      }
      const record = await dmt.rps.getDomain(domainNameOf(tenantId))
      const domain = record ? domainViewOf(record) : null
      if (domain?.expiryWarning) log.warn({ tenantId, expiresAt: domain.expiresAt }, domain.expiryWarning)
      return {
        ciraConfig: cira?.configName ?? null,
        profiles,
        domain,
        lastPreparation: dmt.preparer.statusOf(tenantId),
      }
    },
  }
}

function domainViewOf(record: DomainRecord): DomainView {
  const expiry = record.expirationDate ? new Date(record.expirationDate) : null
  const known = expiry !== null && !Number.isNaN(expiry.getTime())
  return {
    name: record.profileName,
    domainSuffix: record.domainSuffix,
    expiresAt: known ? expiry.toISOString() : null,
    expiryWarning: known ? expiryWarningOf(expiry) : null,
  }
}

import type { Logger } from '../../lib/log.ts'
import type { HostKey, Tenant } from '../inventory/port.ts'
import { DEFAULT_DMT_CONCURRENCY } from './config.ts'
import { ensureObject, mapLimit, type EnsureOutcome } from './ensure-object.ts'
import { DmtError } from './errors.ts'
import type { MpsPort, ProfilePasswords, ProfileSecret, RpsPort } from './ports.ts'
import {
  assertRpsTenantId,
  ciraConfigFor,
  ciraConfigMatches,
  ciraConfigNameOf,
  domainNameOf,
  hostProfileNameOf,
  isHostProfileOf,
  MODES,
  profileFor,
  profileMatches,
  tenantProfileNameOf,
  type CiraSettings,
  type Mode,
} from './rps-objects.ts'

export interface TenantProvisioningDeps {
  rps: RpsPort
  mps: MpsPort
  passwords: ProfilePasswords
  cira: CiraSettings
  log: Logger
  /** Parallel per-host requests; default DEFAULT_DMT_CONCURRENCY (config `dmt.concurrency`). */
  concurrency?: number
}

/** What ensureTenant found: whether the tenant has an ACM domain, and what it wrote (empty: nothing). */
export interface TenantState {
  hasDomain: boolean
  changes: string[]
}

/**
 * The tenant's objects in RPS, kept idempotently (GET first, compare, write only what is missing or different):
 * - CIRA config `<tenant>` (MPS public address/port, MPS root certificate from MPS);
 * - static policy: profiles `<tenant>_ccm` (ccmactivate, userConsent All) and, while the tenant has an ACM
 *   domain, `<tenant>_acm` (acmactivate, userConsent None), both with the tenant's password;
 * - random policy: per-host profiles `<host>@<tenant>_ccm|_acm` with each host's password (ensureHostProfiles);
 *   the tenant-level profiles are removed (a device activated with them would get a password nobody stored).
 * Objects are never deleted to be changed: a different one is replaced in place with its RPS `version`
 * (ensure-object.ts), so a concurrent writer (another replica) loses nothing. The preparer runs one preparation
 * per tenant at a time within a process.
 */
export class TenantProvisioning {
  readonly #deps: TenantProvisioningDeps
  readonly #log: Logger

  constructor(deps: TenantProvisioningDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'dmt-provisioning' })
  }

  /** Random policy: the per-host profiles of these hosts (ACM only while the tenant has a domain). */
  async ensureHostProfiles(tenant: Tenant, hosts: readonly HostKey[], hasDomain: boolean): Promise<string[]> {
    const { passwords } = this.#deps
    const ciraConfigName = ciraConfigNameOf(tenant.tenantId)
    const perHost = await mapLimit(hosts, this.#deps.concurrency ?? DEFAULT_DMT_CONCURRENCY, async (key) => {
      const changes: string[] = []
      for (const mode of MODES) {
        const name = hostProfileNameOf(key, mode)
        if (mode === 'CCM' || hasDomain) {
          const password = async () =>
            (await passwords.getAmtPassword(key)) ?? missingPassword(`host ${key.tenantId}/${key.hostId}`)
          note(changes, `profile ${name}`, await this.#ensureProfile(name, mode, ciraConfigName, password))
        } else if (await this.#removeIfPresent(name)) changes.push(`removed profile ${name}`)
      }
      return changes
    })
    return perHost.flat()
  }

  /** Removes every RPS object of the tenant: its profiles (tenant and per-host), ACM domain, CIRA config. */
  async removeTenant(tenantId: string): Promise<string[]> {
    const { rps } = this.#deps
    const ciraConfigName = ciraConfigNameOf(tenantId)
    const owned = (await rps.listProfiles()).filter(
      ({ profileName, ciraConfigName: cira }) =>
        (cira ?? '').toLowerCase() === ciraConfigName.toLowerCase() ||
        isHostProfileOf(profileName, tenantId) ||
        MODES.some((mode) => profileName === tenantProfileNameOf(tenantId, mode)),
    )
    const changes: string[] = []
    for (const { profileName } of owned)
      if (await rps.deleteProfile(profileName)) changes.push(`removed profile ${profileName}`)
    if (await rps.deleteDomain(domainNameOf(tenantId))) changes.push(`removed domain ${domainNameOf(tenantId)}`)
    if (await rps.deleteCiraConfig(ciraConfigName)) changes.push(`removed CIRA config ${ciraConfigName}`)
    this.#log.info({ tenantId, changes }, 'tenant removed from RPS')
    return changes
  }

  /** Removes the host's own profiles (random policy); nothing when there are none. */
  async removeHost(key: HostKey): Promise<string[]> {
    const changes: string[] = []
    for (const mode of MODES) {
      const name = hostProfileNameOf(key, mode)
      if (await this.#deps.rps.deleteProfile(name)) changes.push(`removed profile ${name}`)
    }
    return changes
  }

  /** The tenant's CIRA config and tenant-level profiles (static policy), created or replaced only where they differ. */
  async ensureTenant(tenant: Tenant): Promise<TenantState> {
    const { rps, mps, passwords, cira } = this.#deps
    const { tenantId } = tenant
    assertRpsTenantId(tenantId)
    const changes: string[] = []
    const ciraConfigName = ciraConfigNameOf(tenantId)
    const wantedCira = ciraConfigFor(tenantId, cira, await mps.getCiraCertificate())
    const ciraOutcome = await ensureObject({
      what: `CIRA config ${ciraConfigName}`,
      get: () => rps.getCiraConfig(ciraConfigName),
      matches: (record) => ciraConfigMatches(record, wantedCira),
      create: () => rps.createCiraConfig(wantedCira),
      replace: (current) => rps.updateCiraConfig(wantedCira, current.version),
    })
    note(changes, `CIRA config ${ciraConfigName}`, ciraOutcome)
    const hasDomain = (await rps.getDomain(domainNameOf(tenantId))) !== null
    let tenantSecret: ProfileSecret | undefined
    const password = async () =>
      (tenantSecret ??=
        (await passwords.getTenantPassword(tenantId)) ?? missingPassword(`tenant ${tenantId} (static policy)`))
    for (const mode of MODES) {
      const name = tenantProfileNameOf(tenantId, mode)
      if (tenant.passwordPolicy === 'static' && (mode === 'CCM' || hasDomain)) {
        note(changes, `profile ${name}`, await this.#ensureProfile(name, mode, ciraConfigName, password))
      } else if (await this.#removeIfPresent(name)) {
        changes.push(`removed profile ${name}`)
      }
    }
    if (changes.length > 0) this.#log.info({ tenantId, changes }, 'tenant RPS objects repaired')
    return { hasDomain, changes }
  }

  #ensureProfile(
    name: string,
    mode: Mode,
    ciraConfigName: string,
    password: () => Promise<ProfileSecret>,
  ): Promise<EnsureOutcome> {
    const { rps } = this.#deps
    const shape = profileFor(name, mode, ciraConfigName, { password: '' })
    return ensureObject({
      what: `profile ${name}`,
      get: () => rps.getProfile(name),
      matches: (record) => profileMatches(record, shape),
      create: async () => rps.createProfile(profileFor(name, mode, ciraConfigName, await password())),
      replace: async (current) =>
        rps.updateProfile(profileFor(name, mode, ciraConfigName, await password()), current.version),
    })
  }

  /** GET first, so that a repeated ensure sends no write at all. */
  async #removeIfPresent(profileName: string): Promise<boolean> {
    return (await this.#deps.rps.getProfile(profileName)) !== null && (await this.#deps.rps.deleteProfile(profileName))
  }
}

function note(changes: string[], what: string, outcome: EnsureOutcome): void {
  if (outcome !== 'unchanged') changes.push(`${outcome} ${what}`)
}

function missingPassword(whose: string): never {
  throw new DmtError('DMT_INVALID', `no AMT password is stored for ${whose}`)
}

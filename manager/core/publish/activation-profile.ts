import type { AmtControlMode } from '../../../schemas/enums.ts'
import { activationProfileNameOf } from '../../dmt/rps-objects.ts'
import type { HostKey } from '../../inventory/port.ts'
import { profileNameOf } from '../../dmt/profile-names.ts'
import { TenantPolicies, type TenantPoliciesDeps, type TenantPolicy } from './tenant-policies.ts'

/** What naming needs of a host. */
type ProfileSubject = HostKey & { controlMode: AmtControlMode }

/**
 * THE decision of which RPS profile a host activates with, for `desired.profileName` (MQTT) and the gRPC bridge's
 * `profile_name` alike (docs/dmt.md):
 * - RPS not managed (no `dmt` section): `<tenant>_ccm` / `<tenant>_acm` for every host (EMF's names; whoever runs
 *   RPS made those profiles).
 * - RPS managed: by the tenant's password policy, `activationProfileNameOf` (dmt/rps-objects.ts): static → the
 *   tenant's profiles, random → the host's own `<hostId>@<tenant>_ccm|_acm` carrying its password.
 * The desired publisher must stay synchronous (ordering of generations on the wire), so `nameOf` answers from the
 * tenants' policies held in memory (tenant-policies.ts): read at the core's start/reconnect sweep (`refresh`),
 * followed when a tenant is written through this process (`tenantWritten`, the core's tenant-write hook) and read on
 * a miss (`readMissing`: the write path does it before a desired write; the publisher for anything else). No flow
 * loads anything first.
 */
export interface ActivationProfiles {
  /** True when RPS is managed (names depend on the tenant's password policy). */
  readonly managed: boolean
  /** The host's profile; null only while this process has not seen the host's tenant (never a guess). */
  nameOf(host: ProfileSubject): string | null
  /** Reads the tenants this process has not seen yet; known ones cost nothing. Rejects when Inventory fails. */
  readMissing(tenantIds: Iterable<string>): Promise<void>
  /** Reads every tenant again (the start/reconnect sweep): a policy changed by another process is followed. */
  refresh(): Promise<void>
  /** The tenant-write hook: a tenant created or changed through this process; its policy counts at once. */
  tenantWritten(tenant: TenantPolicy): void
  /** `readMissing` + `nameOf`, for callers that are asynchronous anyway (the gRPC bridge). */
  resolve(host: ProfileSubject): Promise<string>
}

/** RPS not managed: the tenant's EMF profile names for every host; no policy is ever read. */
export const TENANT_PROFILES: ActivationProfiles = {
  managed: false,
  nameOf: (host) => profileNameOf(host.tenantId, host.controlMode),
  readMissing: () => Promise.resolve(),
  refresh: () => Promise.resolve(),
  tenantWritten: () => undefined,
  resolve: (host) => Promise.resolve(profileNameOf(host.tenantId, host.controlMode)),
}

export type ManagedProfilesDeps = TenantPoliciesDeps

/** RPS managed: names by the tenant's password policy (held in memory, tenant-policies.ts). */
export function managedProfiles(deps: ManagedProfilesDeps): ActivationProfiles {
  const policies = new TenantPolicies(deps)

  const nameOf = (host: ProfileSubject): string | null => {
    const policy = policies.policyOf(host.tenantId)
    return policy === undefined ? null : activationProfileNameOf(policy, host, host.controlMode)
  }

  return {
    managed: true,
    nameOf,
    readMissing: (tenantIds) => policies.readMissing(tenantIds),
    refresh: () => policies.refresh(),
    tenantWritten: (tenant) => policies.written(tenant),
    async resolve(host) {
      await policies.readMissing([host.tenantId])
      const name = nameOf(host)
      if (name === null) throw new Error(`the password policy of tenant ${host.tenantId} is not known`)
      return name
    },
  }
}

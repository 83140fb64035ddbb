import type { Logger } from '../../../lib/log.ts'
import type { AmtControlMode } from '../../../schemas/enums.ts'
import { activationProfileNameOf } from '../../dmt/rps-objects.ts'
import type { HostKey, PasswordPolicy, Tenant } from '../../inventory/port.ts'
import { profileNameOf } from '../../dmt/profile-names.ts'

/** What naming needs of a host. */
export type ProfileSubject = HostKey & { controlMode: AmtControlMode }

/**
 * THE decision of which RPS profile a host activates with, for `desired.profileName` (MQTT) and the gRPC bridge's
 * `profile_name` alike (docs/dmt.md):
 * - RPS not managed (no `dmt` section): `<tenant>_ccm` / `<tenant>_acm` for every host (EMF's names; whoever runs
 *   RPS made those profiles).
 * - RPS managed: by the tenant's password policy, `activationProfileNameOf` (dmt/rps-objects.ts): static → the
 *   tenant's profiles, random → the host's own `<hostId>@<tenant>_ccm|_acm` carrying its password.
 * The policy is an Inventory read, while the desired publisher must stay synchronous (ordering of generations on
 * the wire), so flows `load` the tenants of the hosts they are about to publish and `nameOf` answers from memory.
 * A tenant's policy is fixed when it is created (the API has no way to change it), so it is remembered.
 */
export interface ActivationProfiles {
  /** True when RPS is managed (names depend on the tenant's policy). */
  readonly managed: boolean
  /** Reads the password policy of these tenants (once each). Rejects when Inventory cannot answer. */
  load(tenantIds: Iterable<string>): Promise<void>
  /** The host's profile; null when its tenant was not loaded (call `load` first). */
  nameOf(host: ProfileSubject): string | null
  /** `load` + `nameOf`, for callers that are asynchronous anyway (the gRPC bridge). */
  resolve(host: ProfileSubject): Promise<string>
}

/** RPS not managed: the tenant's EMF profile names for every host; nothing to load. */
export const TENANT_PROFILES: ActivationProfiles = {
  managed: false,
  load: () => Promise.resolve(),
  nameOf: (host) => profileNameOf(host.tenantId, host.controlMode),
  resolve: (host) => Promise.resolve(profileNameOf(host.tenantId, host.controlMode)),
}

export interface ManagedProfilesDeps {
  getTenant: (tenantId: string) => Promise<Pick<Tenant, 'passwordPolicy'>>
  log?: Logger
}

/** RPS managed: names by the tenant's password policy, read from Inventory once per tenant. */
export function managedProfiles({ getTenant, log }: ManagedProfilesDeps): ActivationProfiles {
  const policies = new Map<string, PasswordPolicy>()
  const loading = new Map<string, Promise<void>>()

  const loadOne = (tenantId: string): Promise<void> => {
    if (policies.has(tenantId)) return Promise.resolve()
    let pending = loading.get(tenantId)
    if (pending === undefined) {
      pending = getTenant(tenantId)
        .then((tenant) => {
          policies.set(tenantId, tenant.passwordPolicy)
          log?.debug({ tenantId, policy: tenant.passwordPolicy }, 'tenant password policy loaded for profile names')
        })
        .finally(() => loading.delete(tenantId))
      loading.set(tenantId, pending)
    }
    return pending
  }

  const nameOf = (host: ProfileSubject): string | null => {
    const policy = policies.get(host.tenantId)
    return policy === undefined ? null : activationProfileNameOf(policy, host, host.controlMode)
  }

  /** Every tenant is tried; the first failure is rethrown once all settled (the others are known then). */
  const load = async (tenantIds: Iterable<string>): Promise<void> => {
    const results = await Promise.allSettled([...new Set(tenantIds)].map(loadOne))
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  }

  return {
    managed: true,
    load,
    nameOf,
    async resolve(host) {
      await loadOne(host.tenantId)
      const name = nameOf(host)
      if (name === null) throw new Error(`the password policy of tenant ${host.tenantId} is not known`)
      return name
    },
  }
}

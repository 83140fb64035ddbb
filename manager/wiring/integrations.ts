import type { RunningBroker } from '../../broker/create-broker.ts'
import type { Logger } from '../../lib/log.ts'
import type { DmtSettings, ManagerConfig } from '../config/config.ts'
import { managedProfiles, TENANT_PROFILES, type ActivationProfiles } from '../core/publish/activation-profile.ts'
import { createHostRemoval, type HostRemoval } from '../core/flows/host-removal.ts'
import type { DmtConfig } from '../dmt/config.ts'
import { createDmt, type Dmt } from '../dmt/create-dmt.ts'
import { composePreparers, dmtNotConfigured } from '../dmt/preparer.ts'
import type { ProvisioningPreparer } from '../ports/provisioning.ts'
import type { HostKey, Inventory } from '../inventory/port.ts'
import type { Registry } from 'prom-client'
import { dependencyMetrics } from './dependency-metrics.ts'
import type { BrokerAccounts } from '../dynsec/broker-accounts.ts'
import { createAmtPasswordSource, type AmtPasswords } from '../secrets/amt-password-source.ts'
import { createSecretStore } from '../secrets/create-secret-store.ts'
import { isSecretStoreError } from '../secrets/errors.ts'
import type { SecretStore } from '../secrets/port.ts'
import { SERVICE_EXIT, StartupError } from '../../lib/service-exit.ts'

/** Secrets, passwords and RPS/MPS as the core, the API and the gRPC bridge use them. */
export interface Integrations {
  secretStore: SecretStore
  /** The AmtPasswordSource (secret/req, gRPC) + the password preparer + the API's password reads. */
  passwords: AmtPasswords
  /** RPS/MPS; null when not configured (profiles are not managed). */
  dmt: Dmt | null
  /** Passwords first, then RPS profiles and MPS devices (which carry / need them). */
  preparer: ProvisioningPreparer
  /** Which profile `desired` and the gRPC bridge name. */
  profiles: ActivationProfiles
  /** The RPS activation URL put into every desired: dmt.rps.activationUrl, else the legacy rps.url. */
  rpsUrl: string | undefined
  /** What a completed deletion removes besides the Inventory record. */
  removal(broker: RunningBroker | null, brokerAccounts?: BrokerAccounts): HostRemoval
  close(): Promise<void>
}

/**
 * secret store → password source → RPS/MPS (or "not configured", said once) → preparer and profile names; with a
 * registry, amt_manager_dependency_* (manager/wiring/dependency-metrics.ts) watch Vault, RPS and MPS. Nothing is contacted
 * here: Vault logs in on first use (or at a scrape of /metrics), RPS/MPS are called when an activation is prepared.
 * An invalid store or static password is a configuration error (exit 1).
 */
export function createIntegrations(
  config: ManagerConfig,
  deps: { inventory: Inventory; log: Logger; registry?: Registry },
): Integrations {
  const { inventory, log } = deps
  const secretStore = configured(() => createSecretStore(config.secrets, { log }))
  const reachability = deps.registry && dependencyMetrics(deps.registry, { secretStore })
  let passwords: AmtPasswords
  try {
    passwords = configured(() =>
      createAmtPasswordSource({
        store: secretStore,
        inventory,
        log,
        passwords: config.passwords,
      }),
    )
  } catch (err) {
    void secretStore.close()
    throw err
  }
  const getTenant = (tenantId: string) => inventory.getTenant(tenantId)
  const listTenants = () => inventory.listTenants()
  const profilesLog = log.child({ module: 'profiles' })
  const findHost = (key: HostKey) => inventory.findHost(key)
  const dmtDeps = { getTenant, findHost, passwords: secretStore, log, ...(reachability ? { reachability } : {}) }
  const dmt = config.dmt === null ? null : createDmt(dmtConfigOf(config.dmt), dmtDeps)
  return {
    secretStore,
    passwords,
    dmt,
    preparer: composePreparers(passwords, dmt === null ? dmtNotConfigured(log) : dmt.preparer),
    profiles: dmt === null ? TENANT_PROFILES : managedProfiles({ getTenant, listTenants, log: profilesLog }),
    rpsUrl: config.dmt?.rps.activationUrl ?? config.rps.url,
    removal: (broker, brokerAccounts) =>
      createHostRemoval({
        secrets: secretStore,
        ...(dmt === null ? {} : { dmt }),
        ...(broker === null ? {} : { broker }),
        ...(brokerAccounts ? { brokerAccounts } : {}),
        log,
      }),
    close: () => secretStore.close(),
  }
}

/** The `dmt` section as createDmt takes it (tokens revealed only here, inside the RPS/MPS clients). */
export function dmtConfigOf(settings: DmtSettings): DmtConfig {
  const { token: rpsToken, ...rps } = settings.rps
  const { token: mpsToken, ciraPassword, ...mps } = settings.mps
  return {
    ...settings,
    rps: { ...rps, ...(rpsToken === undefined ? {} : { token: rpsToken.reveal() }) },
    mps: {
      ...mps,
      ...(mpsToken === undefined ? {} : { token: mpsToken.reveal() }),
      ...(ciraPassword === undefined ? {} : { ciraPassword: ciraPassword.reveal() }),
    },
  }
}

/** SECRET_STORE_CONFIG_INVALID (its reason lists every problem, never a value) → a configuration StartupError. */
function configured<T>(build: () => T): T {
  try {
    return build()
  } catch (err) {
    if (isSecretStoreError(err) && err.code === 'SECRET_STORE_CONFIG_INVALID') {
      const problems = (err.details.reason ?? err.message).split('; ')
      throw new StartupError('invalid secret store configuration', problems, SERVICE_EXIT.BAD_CONFIG)
    }
    throw err
  }
}

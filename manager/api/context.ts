import type { AcmCertificates } from '../core/acm-certificates.ts'
import type { Logger } from '../../lib/log.ts'
import type { DmtApi } from '../dmt/dmt-api.ts'
import type { ManagerCore } from '../core/manager-core.ts'
import type { RolloutService } from '../core/rollouts/rollout-service.ts'
import type { Inventory } from '../inventory/port.ts'
import type { AmtPasswords } from '../secrets/amt-password-source.ts'
import type { BrokerAccountWriter } from './register-host.ts'
import type { TokenStore } from './tokens/token-store.ts'

/** The domain functions the API calls (the manager core implements them; tests may pass the real core). */
export type ApiDomain = Pick<
  ManagerCore,
  'setDesired' | 'requestDeletion' | 'refreshHost' | 'createTenant' | 'hostChanges' | 'editHost' | 'rotatePassword'
>

/** What every router gets. */
export interface ApiContext {
  inventory: Inventory
  domain: ApiDomain
  tokens: TokenStore
  log: Logger
  /** The MQTT URL agents connect to, returned with a new device credential (when known). */
  deviceBrokerUrl?: string
  /** Host AMT passwords (manager/secrets); absent: the password route answers SECRET_STORE_NOT_CONFIGURED. */
  passwords?: Pick<AmtPasswords, 'readHostPassword'>
  /** Device accounts on an external broker (Mosquitto dynamic security); absent: nothing to push at registration. */
  brokerAccounts?: BrokerAccountWriter
  /** RPS/MPS (power actions, ACM domain); absent when not configured: those routes answer DMT_NOT_CONFIGURED. */
  dmt?: DmtApi
  /** The tenant's ACM provisioning certificates (config `acm`); absent: none, every host is NO_CERTIFICATE_FOR_SUFFIX. */
  acmCertificates?: AcmCertificates
  /** Rollouts (docs/rollouts.md); absent: no rollout routes (and a bulk request's `rollout` is refused). */
  rollouts?: RolloutService
}

import type { Host, HostKey } from '../inventory/port.ts'
import type { SecretRequest } from '../../schemas/messages/secret.ts'

const NO_SECRET_STORE_RESTORE = 'no secret store configured'

/**
 * Seams for issue 5 (Vault, RPS, MPS). The defaults here keep the manager runnable without them; issue 5
 * replaces them with real adapters in main().
 */

/** Which known password a candidate is (docs/credentials.md): one of the host's versions, or the tenant's. */
export interface CandidateOrigin {
  origin: 'host' | 'tenant'
  /** The host secret's version (origin host). */
  version?: number
}

/**
 * `retryable`: a passing failure (the store unavailable), as opposed to a refusal. `more`, `origin`, `version`:
 * the candidate answered (secret/req `candidate`) and whether a further one exists; absent from sources that know
 * no candidates.
 */
export type PasswordAnswer =
  | ({ ok: true; password: string; more?: boolean; newPassword?: string } & Partial<CandidateOrigin>)
  | { ok: false; error: string; retryable?: true }

/** Where the manager gets a host's AMT password when its agent asks (secret/req). */
export interface AmtPasswordSource {
  getAmtPassword(
    key: HostKey,
    request: Pick<SecretRequest, 'purpose' | 'generation' | 'candidate'> & RotationAsk,
  ): Promise<PasswordAnswer>
}

/** Purpose rotate: the host version that holds the new password (the answer carries it as `newPassword`). */
export interface RotationAsk {
  newVersion?: number
}

/** What staging a rotation stored: the new password's version and where the one AMT has came from. */
export interface StagedRotation {
  newVersion: number
  previous: CandidateOrigin
}

/**
 * The store side of a password rotation (docs/credentials.md "Rotation"): `stage` writes a new password as the host's
 * newest version (durably, before it resolves; the MEBx password kept); `revert` writes the previous one back as
 * the newest version after a failed rotation. Throw SecretStoreError; never a password in errors.
 */
export interface PasswordRotator {
  /** Null when no password is stored for the host (nothing to rotate). */
  stage(key: HostKey): Promise<StagedRotation | null>
  revert(key: HostKey, previous: CandidateOrigin): Promise<RestoreOutcome>
}

/**
 * MPS's copy of a host's password (RPS's Vault device secret, config rotation.mpsPasswordCopy): `mode` none when
 * the operator said MPS does not use these devices or no MPS is configured, unconfigured when an MPS is configured
 * and the setting is absent (rotation refused). `copy` writes the host version `newVersion` there: `absent` when RPS
 * holds no secret for the device. Throws on a failure (retried by the caller).
 */
export interface MpsPasswordCopy {
  readonly mode: 'vault' | 'none' | 'unconfigured'
  copy(key: HostKey, newVersion: number): Promise<'written' | 'absent'>
}

/** The default: no MPS configured, nothing to copy. */
export const noMpsPasswordCopy: MpsPasswordCopy = {
  mode: 'none',
  copy: () => Promise.resolve('absent'),
}

/** How making a candidate current again ended: `version` the host secret's new current version. */
export type RestoreOutcome = { restored: true; version: number | null } | { restored: false; reason: string }

/** Makes a candidate that AMT accepted the host's current password again (a new version, durably stored first). */
export interface PasswordRestorer {
  restoreCandidate(key: HostKey, candidate: CandidateOrigin): Promise<RestoreOutcome>
}

/** The default without a secret store: nothing to restore. */
export const noPasswordRestorer: PasswordRestorer = {
  restoreCandidate: () => Promise.resolve({ restored: false, reason: NO_SECRET_STORE_RESTORE }),
}

const NO_SECRET_STORE_ERROR = 'no secret store configured'

/** The placeholder until issue 5: every request is refused with a clear reason. */
export const noSecretStore: AmtPasswordSource = {
  getAmtPassword: () => Promise.resolve({ ok: false, error: NO_SECRET_STORE_ERROR }),
}

/**
 * Called by setDesired BEFORE anything is written, with the hosts about to be asked for PROVISIONED (grouped
 * per tenant by the caller as it likes): ensures the tenant's RPS CIRA config and CCM/ACM profiles exist and
 * each host has an AMT password. Throwing aborts the request: nothing is written, nothing published.
 * Must be idempotent (a repeated request prepares again).
 */
export interface ProvisioningPreparer {
  prepare(hosts: readonly Host[]): Promise<void>
}

/** The default: nothing to prepare (no RPS / secret store configured; stated in the log at start). */
export const noPreparation: ProvisioningPreparer = {
  prepare: () => Promise.resolve(),
}

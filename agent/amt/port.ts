import type { AmtSku, ErrorClass, ObservedControlMode } from '../../schemas/index.ts'
import type { Ras, TrustedRootHash } from '../../schemas/index.ts'
import type { AmtinfoField } from '../../schemas/messages/capability.ts'
import { ROTATION_UNSUPPORTED, ROTATION_UNSUPPORTED_TEXT } from '../../schemas/wire-rules.ts'

/** The rpc line in use: flags and output differ between v2 (Go flag) and v3 (Kong). */
export interface RpcVersion {
  line: 'v2' | 'v3'
  version: string
}

/** `rpc amtinfo` normalised across v2 and v3. Empty strings where rpc could not read a field. */
export interface AmtInfo {
  amtVersion: string
  buildNumber: string
  /** Numeric SKU; null when missing or not a number. */
  sku: number | null
  features: string
  uuid: string
  controlMode: ObservedControlMode
  /** v3 only; derived from controlMode for v2. */
  provisioningState: 'pre-provisioning' | 'in provisioning' | 'post-provisioning' | 'unknown'
  operationalState: string
  dnsSuffix: string
  /** The operating system's DNS suffix ('' when rpc did not print it). */
  dnsSuffixOS: string
  ras: Ras | null
  /** Expected fields rpc could not read (absent, empty or malformed); absent when every one was read. */
  missingFields?: readonly AmtinfoField[]
}

export interface ActivateRequest {
  rpsUrl: string
  profile: string
  /** Passed to rpc only through the environment. */
  password?: string
  skipCertCheck?: boolean
  token?: string
  tenant?: string
  dnsSuffix?: string
  friendlyName?: string
}

export interface DeactivateRequest {
  /** Remote deactivation through RPS (keeps RPS/MPS in sync). Absent: local deactivation. */
  rpsUrl?: string
  /** Passed only through the environment. Required for remote and for local ACM deactivation. */
  password?: string
  skipCertCheck?: boolean
}

/** rpc v3 `configure amtpassword`: a local change of AMT's password. Both passwords only in rpc's environment. */
export interface ChangePasswordRequest {
  /** The current password (AMT_PASSWORD). */
  password: string
  /** The new password (RPC_NEWAMTPASSWORD). */
  newPassword: string
}

/** Classified capability of the node. */
export interface CapabilityClass {
  capable: boolean
  sku: AmtSku
  reason?: string
}

/**
 * A failed rpc call. `code` is rpc's exit code (null when rpc did not exit by itself: timeout, spawn failure,
 * unparsable output); `codeName` its name from rpc's chart; `errorClass` decides retry vs FAILED.
 */
export class AmtError extends Error {
  readonly code: number | null
  readonly codeName: string
  readonly errorClass: ErrorClass

  constructor(init: { code: number | null; codeName: string; errorClass: ErrorClass; message: string }) {
    super(init.message)
    this.name = 'AmtError'
    this.code = init.code
    this.codeName = init.codeName
    this.errorClass = init.errorClass
  }
}

/**
 * The node's AMT firmware, as seen through rpc. Implementations: the real rpc CLI via execa, and a simulated
 * device (tests, fleet simulator). Every method rejects with AmtError on failure; implementations run one rpc
 * operation at a time.
 */
export interface Amt {
  /** Which rpc line and version is installed. */
  version(): Promise<RpcVersion>
  /** The ME interface device present (/dev/mei0..3), or null. */
  probeDevice(): Promise<string | null>
  info(): Promise<AmtInfo>
  /** AMT's trusted root certificate hashes (`amtinfo -cert`): slower than info(), read once per firmware. */
  certificateHashes(): Promise<TrustedRootHash[]>
  /** Resolves when rpc reports no error; callers still confirm with info() (rpc v2 exits 0 on RPS errors). */
  activate(request: ActivateRequest): Promise<void>
  deactivate(request: DeactivateRequest): Promise<void>
  /**
   * Changes AMT's password locally (rpc v3 `configure amtpassword`); rejects with a permanent AmtError
   * (ROTATION_UNSUPPORTED) on rpc v2, which takes the new password only in argv.
   */
  changePassword(request: ChangePasswordRequest): Promise<void>
}

/** The refusal of a password change on rpc v2 (no exit code: rpc is not run). */
export function rotationUnsupported(): AmtError {
  return new AmtError({
    code: null,
    codeName: ROTATION_UNSUPPORTED,
    errorClass: 'permanent',
    message: ROTATION_UNSUPPORTED_TEXT,
  })
}

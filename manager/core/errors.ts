/**
 * Stable codes of domain failures (the API maps them to HTTP answers):
 * - DESIRED_INVALID: the desired request is malformed (state, control mode, DNS suffix)
 * - DESIRED_HOST_DELETING: activation was asked for a host that is being deleted
 * - PREPARATION_FAILED: the provisioning preparer (RPS profiles, passwords) failed; nothing was written
 * - ROLLOUT_INVALID: a rollout's controls are inconsistent, or its target names no host
 * - ROLLOUT_STATE_CONFLICT: the rollout's state does not allow the operation (approve, pause, resume, cancel)
 * - ROLLOUT_HOSTS_BUSY: hosts of a new rollout are members (pending or in progress) of a rollout not yet final
 * - ROTATION_UNSUPPORTED: a password rotation for a host whose agent reports rpc v2 (or no rpc line)
 * - ROTATION_MPS_COPY_UNCONFIGURED: a rotation while an MPS is configured and rotation.mpsPasswordCopy is not
 * - ROTATION_NOT_POSSIBLE: a rotation for a host not provisioned, already rotating, or without a stored password
 */
export type DomainErrorCode =
  | 'DESIRED_INVALID'
  | 'DESIRED_HOST_DELETING'
  | 'PREPARATION_FAILED'
  | 'ROLLOUT_INVALID'
  | 'ROLLOUT_STATE_CONFLICT'
  | 'ROLLOUT_HOSTS_BUSY'
  | 'ROTATION_UNSUPPORTED'
  | 'ROTATION_MPS_COPY_UNCONFIGURED'
  | 'ROTATION_NOT_POSSIBLE'

export class DomainError extends Error {
  override readonly name = 'DomainError'
  readonly code: DomainErrorCode

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

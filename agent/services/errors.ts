/**
 * Stable codes of ServiceControl failures. The agent reports them in `events` and retries on the next reconcile.
 * - SERVICE_COMMAND_FAILED: a systemctl/modprobe command could not run or exited non-zero
 * - SERVICE_COMMAND_TIMEOUT: a command did not finish within its timeout and was killed
 * - LMS_NOT_INSTALLED: lms.service has no unit file on this node (the OS image must ship LMS)
 * - LMS_NOT_ACTIVE: lms.service was enabled and started but is not active afterwards
 */
export type ServiceControlErrorCode =
  'SERVICE_COMMAND_FAILED' | 'SERVICE_COMMAND_TIMEOUT' | 'LMS_NOT_INSTALLED' | 'LMS_NOT_ACTIVE'

export interface ServiceControlErrorDetails {
  /** The fixed argv that ran (never contains secrets). */
  command?: readonly string[]
  exitCode?: number
  /** First line(s) of the command's stderr, trimmed. */
  stderr?: string
  cause?: unknown
}

export class ServiceControlError extends Error {
  override readonly name = 'ServiceControlError'
  readonly code: ServiceControlErrorCode
  readonly command: readonly string[] | undefined
  readonly exitCode: number | undefined
  readonly stderr: string | undefined

  constructor(code: ServiceControlErrorCode, message: string, details: ServiceControlErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.command = details.command
    this.exitCode = details.exitCode
    this.stderr = details.stderr
  }
}

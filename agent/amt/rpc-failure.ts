import { AmtError } from './port.ts'
import { classifyFailure } from './exit-codes.ts'

/**
 * The one place AmtErrors are built, shared by the rpc CLI adapter and the simulated adapter so both fail alike.
 * Besides rpc's own exit codes (exit-codes.ts) the adapters report these failures, with `code` null unless said:
 *
 * | codeName      | class     | when |
 * |---------------|-----------|------|
 * | RpcTimeout    | transient | rpc did not exit within the call's timeout; it was killed (SIGTERM, then SIGKILL) |
 * | RpcNotFound   | permanent | the rpc binary could not be started (missing, not executable) |
 * | RpcBadOutput  | permanent | stdout was not the JSON document rpc prints |
 * | RpcTerminated | transient | rpc was killed by a signal nobody in the agent sent |
 * | RpcStopped    | transient | the adapter was stopped (agent shutting down) before or while the call ran |
 * | RpsError      | by text   | rpc v2 exited 0 but logged an error (RPS reported a failure); code 0 |
 * | SkuUnreadable | transient | amtinfo had no readable SKU and AMT is not provisioned: capability is unknown |
 */
const MAX_MESSAGE_LENGTH = 512

/** Replaces every occurrence of a secret by `[redacted]` and bounds the length. */
export function sanitize(text: string, secrets: readonly string[]): string {
  let clean = text
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[redacted]')
  clean = clean.replace(/\s+/g, ' ').trim()
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : clean
}

export interface ExitFailureInput {
  command: string
  exitCode: number
  /** rpc's error/fatal log messages, in order. */
  errorMessages: readonly string[]
  /** Other text rpc printed (last non-empty stderr line), used when it logged no error. */
  fallbackText?: string
  secrets: readonly string[]
}

/** rpc exited non-zero. The message carries rpc's error lines (the cause, then `Error <code>: ...`), sanitised. */
export function exitFailure({ command, exitCode, errorMessages, fallbackText, secrets }: ExitFailureInput): AmtError {
  const { name, class: errorClass } = classifyFailure(exitCode, [...errorMessages, fallbackText ?? ''].join('\n'))
  const said = errorMessages.length > 0 ? errorMessages.slice(-3).join('; ') : (fallbackText ?? '')
  const message = sanitize(`rpc ${command} exited with ${exitCode} (${name})${said ? `: ${said}` : ''}`, secrets)
  return new AmtError({ code: exitCode, codeName: name, errorClass, message })
}

/** rpc exited 0 but logged an error: rpc v2 reports RPS failures this way. */
export function rpsError(command: string, errorMessage: string, secrets: readonly string[]): AmtError {
  const { class: errorClass } = classifyFailure(10, errorMessage)
  const message = sanitize(`rpc ${command} exited 0 but reported an error: ${errorMessage}`, secrets)
  return new AmtError({ code: 0, codeName: 'RpsError', errorClass, message })
}

export function rpcTimeout(command: string, timeoutMs: number): AmtError {
  return new AmtError({
    code: null,
    codeName: 'RpcTimeout',
    errorClass: 'transient',
    message: `rpc ${command} did not finish within ${timeoutMs} ms and was killed`,
  })
}

export function rpcNotFound(rpcPath: string, reason: string): AmtError {
  return new AmtError({
    code: null,
    codeName: 'RpcNotFound',
    errorClass: 'permanent',
    message: sanitize(`rpc could not be started from ${rpcPath}: ${reason}`, []),
  })
}

export function rpcBadOutput(command: string, reason: string): AmtError {
  return new AmtError({
    code: null,
    codeName: 'RpcBadOutput',
    errorClass: 'permanent',
    message: sanitize(`rpc ${command} printed unexpected output: ${reason}`, []),
  })
}

export function rpcTerminated(command: string, signal: string): AmtError {
  return new AmtError({
    code: null,
    codeName: 'RpcTerminated',
    errorClass: 'transient',
    message: `rpc ${command} was terminated by ${signal}`,
  })
}

export function rpcStopped(command: string): AmtError {
  return new AmtError({
    code: null,
    codeName: 'RpcStopped',
    errorClass: 'transient',
    message: `rpc ${command} was not completed: the adapter was stopped`,
  })
}

/** amtinfo printed no readable SKU (absent, empty, not a number) and AMT is not provisioned: capability is unknown. */
export function skuUnreadable(): AmtError {
  return new AmtError({
    code: null,
    codeName: 'SkuUnreadable',
    errorClass: 'transient',
    message: 'could not read the SKU from rpc amtinfo (absent, empty or not a number) and AMT is not provisioned',
  })
}

/** The ME interface is not usable (v2 exit 2, or v3 amtinfo reporting heciAvailable=false). */
export function meUnavailable(command: string, exitCode: number | null): AmtError {
  return new AmtError({
    code: exitCode,
    codeName: 'HECIDriverNotDetected',
    errorClass: 'permanent',
    message: `rpc ${command}: the Intel ME interface is not available (heciAvailable=false)`,
  })
}

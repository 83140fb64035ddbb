import type { RpcError } from '../../schemas/index.ts'
import { AmtError } from '../amt/port.ts'
import { SecretUnavailableError } from '../secret-request.ts'

/** Fresh amtinfo after an operation did not show the expected state (rpc v2 exits 0 on RPS errors). */
export class NotConfirmedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotConfirmedError'
  }
}

/** The desired state cannot be carried out as asked (e.g. no RPS to deactivate through, no force given). */
export class NotPossibleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotPossibleError'
  }
}

/** Any failure of a step as it goes on the wire in `state.error`: code, name, message, class. */
export function toRpcError(err: unknown): RpcError {
  if (err instanceof AmtError)
    return bounded({ code: err.code, name: err.codeName, message: err.message, class: err.errorClass })
  if (err instanceof SecretUnavailableError) {
    return bounded({
      code: null,
      name: 'SecretUnavailable',
      message: err.message,
      class: err.reason === 'refused' ? 'permanent' : 'transient',
    })
  }
  if (err instanceof NotPossibleError)
    return bounded({ code: null, name: 'NotPossible', message: err.message, class: 'permanent' })
  if (err instanceof NotConfirmedError)
    return bounded({ code: null, name: 'NotConfirmed', message: err.message, class: 'permanent' })
  const message = err instanceof Error ? err.message : String(err)
  return bounded({ code: null, name: 'InternalError', message, class: 'permanent' })
}

function bounded(error: RpcError): RpcError {
  const code =
    error.code !== null && Number.isInteger(error.code) && error.code >= 0 && error.code <= 255 ? error.code : null
  return { ...error, code, name: error.name.slice(0, 64), message: error.message.slice(0, 1024) }
}

import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js'

/**
 * The status codes the bridge answers with (reference/southbound-grpc.md). The Go agent treats
 * FAILED_PRECONDITION as "nothing to do / already so" and retries everything else.
 *
 *   code                 when
 *   OK                   the request was carried out (or, RetrieveActivationDetails, there is an operation)
 *   INVALID_ARGUMENT     empty / oversized / malformed host_id, unknown enum value, oversized message or
 *                        feature, unknown feature on ENABLED, a request that cannot be decoded
 *   UNAUTHENTICATED      no / malformed / invalid / expired bearer JWT, no tenant or more than one
 *   PERMISSION_DENIED    the JWT has no `<tenant>_en-agent-rw` or `<tenant>_en-ob` role for its tenant
 *   NOT_FOUND            no such host in the caller's tenant
 *   FAILED_PRECONDITION  the decision tables' guards: already enabled/disabled/in progress/done/failed,
 *                        nothing to activate or deactivate
 *   INTERNAL             Inventory failure (other than not found), password unavailable or empty, a bug
 *   RESOURCE_EXHAUSTED   a request larger than the receive limit (grpc-js itself)
 */
export const BRIDGE_STATUSES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'FAILED_PRECONDITION',
  'INTERNAL',
] as const
export type BridgeStatus = (typeof BRIDGE_STATUSES)[number]

/** A refusal with its status code; `message` goes to the caller and the log (never a secret). */
export class GrpcError extends Error {
  override readonly name = 'GrpcError'
  readonly status: BridgeStatus

  constructor(status: BridgeStatus, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
  }

  get code(): Status {
    return Status[this.status]
  }
}

export const invalidArgument = (message: string): GrpcError => new GrpcError('INVALID_ARGUMENT', message)
export const notFound = (message: string): GrpcError => new GrpcError('NOT_FOUND', message)
export const failedPrecondition = (message: string): GrpcError => new GrpcError('FAILED_PRECONDITION', message)
export const internal = (message: string, cause?: unknown): GrpcError => new GrpcError('INTERNAL', message, { cause })

/** Anything thrown by a handler as the refusal sent: GrpcErrors as they are, everything else INTERNAL. */
export function asGrpcError(err: unknown): GrpcError {
  return err instanceof GrpcError ? err : internal('internal error', err)
}

/** The grpc-js error object of a refusal. */
export function serviceErrorOf(err: GrpcError): Partial<ServiceError> {
  return { code: err.code, details: err.message, metadata: new Metadata() }
}

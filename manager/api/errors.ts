import { z } from 'zod'

/**
 * The API's one error catalogue: every failure answer carries a stable `code`, the HTTP status fixed here and a
 * human message. docs/api.md documents the same table; test/manager/api/errors-doc.test.ts keeps both in sync.
 * Messages never contain a secret (no token, password or request body is echoed).
 */
export const API_ERRORS = {
  UNAUTHENTICATED: { status: 401, message: 'a valid API token is required (Authorization: Bearer <token>)' },
  FORBIDDEN: { status: 403, message: "the token's role does not allow this operation" },
  CSRF_REJECTED: {
    status: 403,
    message: 'a state-changing call of a console session needs its CSRF token (x-csrf-token header)',
  },
  VALIDATION_FAILED: { status: 400, message: 'the request does not match the schema' },
  MALFORMED_JSON: { status: 400, message: 'the request body is not valid JSON' },
  BAD_REQUEST: { status: 400, message: 'the request cannot be processed' },
  ROUTE_NOT_FOUND: { status: 404, message: 'no such route' },
  TENANT_NOT_FOUND: { status: 404, message: 'tenant not found' },
  HOST_NOT_FOUND: { status: 404, message: 'host not found' },
  PASSWORD_NOT_FOUND: { status: 404, message: 'no AMT password is stored for this host' },
  TOKEN_NOT_FOUND: { status: 404, message: 'token not found' },
  GROUP_NOT_FOUND: { status: 404, message: 'host group not found' },
  ROLLOUT_NOT_FOUND: { status: 404, message: 'rollout not found' },
  TENANT_EXISTS: { status: 409, message: 'a tenant with this id exists already' },
  HOST_EXISTS: { status: 409, message: 'a host with this id exists already in the tenant' },
  TOKEN_NAME_TAKEN: { status: 409, message: 'a token with this name exists already' },
  CREDENTIAL_CONFLICT: { status: 409, message: 'the device MQTT username is taken' },
  HOST_CHANGED: { status: 409, message: 'the host changed concurrently; retry' },
  GROUP_CHANGED: { status: 409, message: 'the group changed since the version given; read it again' },
  HOST_DELETING: { status: 409, message: 'the host is being deleted' },
  HOST_NOT_PROVISIONED: { status: 409, message: "the host's AMT is not PROVISIONED" },
  ROLLOUT_STATE_CONFLICT: { status: 409, message: "the rollout's state does not allow this operation" },
  ROLLOUT_HOSTS_BUSY: { status: 409, message: 'hosts of the rollout are already in a rollout under way' },
  ROTATION_UNSUPPORTED: {
    status: 409,
    message: 'rpc v2 takes the new AMT password only on its command line: rotation needs rpc v3 on the host',
  },
  ROTATION_MPS_COPY_UNCONFIGURED: {
    status: 409,
    message: 'an MPS is configured: set rotation.mpsPasswordCopy (vault or none) before rotating AMT passwords',
  },
  ROTATION_NOT_POSSIBLE: {
    status: 409,
    message: 'the host cannot rotate its AMT password now (not provisioned, rotating, or no password stored)',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'the request body must be application/json' },
  TOO_MANY_STREAMS: { status: 429, message: 'this token has the most live streams open that it may; close one' },
  INTERNAL: { status: 500, message: 'internal error' },
  PREPARATION_FAILED: { status: 502, message: 'provisioning could not be prepared (RPS profiles or AMT passwords)' },
  RPS_REJECTED: { status: 502, message: 'RPS refused the request' },
  MPS_REJECTED: { status: 502, message: 'MPS refused the request' },
  POWER_ACTION_FAILED: { status: 502, message: 'AMT did not carry out the power action' },
  DMT_NOT_CONFIGURED: { status: 501, message: 'RPS/MPS are not configured on this manager' },
  RPS_UNAVAILABLE: { status: 503, message: 'RPS is unavailable' },
  MPS_UNAVAILABLE: { status: 503, message: 'MPS is unavailable' },
  SECRET_STORE_NOT_CONFIGURED: { status: 501, message: 'no secret store is configured' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'the inventory is unavailable' },
  SECRET_STORE_UNAVAILABLE: { status: 503, message: 'the secret store is unavailable' },
  BROKER_UNAVAILABLE: { status: 503, message: "the device's account could not be put on the external broker" },
  NOT_READY: { status: 503, message: 'the manager is not ready' },
  STREAMS_UNAVAILABLE: { status: 503, message: 'the manager serves the most live streams it allows; retry later' },
} as const satisfies Record<string, { status: number; message: string }>

export type ApiErrorCode = keyof typeof API_ERRORS
const API_ERROR_CODES = Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]

export type ErrorDetails = Record<string, unknown>

/** A failure with a catalogue code; the error handler turns it into the answer. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: ApiErrorCode
  readonly status: number
  readonly details: ErrorDetails | undefined

  constructor(code: ApiErrorCode, message?: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message ?? API_ERRORS[code].message, options)
    this.code = code
    this.status = API_ERRORS[code].status
    this.details = details
  }
}

export const ErrorBody = z
  .object({
    code: z.enum(API_ERROR_CODES).describe('stable error code (see the catalogue in docs/api.md)'),
    message: z.string().describe('human readable explanation'),
    requestId: z.string().describe('id of the request in the manager log'),
    details: z.record(z.string(), z.unknown()).optional().describe('structured context, e.g. validation issues'),
  })
  .meta({ id: 'Error', description: 'Every failure answer of the API' })
export type ErrorBody = z.infer<typeof ErrorBody>

/** An OpenAPI response: a described JSON body (fastify serializes it with the zod schema). */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } }
}

/** The responses of the given error codes, keyed by status; the description lists the codes of each status. */
export function errorResponses(
  ...codes: ApiErrorCode[]
): Record<number, ReturnType<typeof jsonResponse<typeof ErrorBody>>> {
  const byStatus = new Map<number, ApiErrorCode[]>()
  for (const code of codes)
    byStatus.set(API_ERRORS[code].status, [...(byStatus.get(API_ERRORS[code].status) ?? []), code])
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [status, jsonResponse(ErrorBody, `error: ${list.join(' | ')}`)]),
  )
}

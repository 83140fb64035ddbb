import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { ProvisioningCertificateError } from '../dmt/provisioning-certificate.ts'
import { DomainError } from '../core/errors.ts'
import { InventoryError, type InventoryErrorCode } from '../inventory/errors.ts'
import { RolloutStoreError } from '../rollouts/store.ts'
import { ApiError, type ApiErrorCode, type ErrorBody } from './errors.ts'
import { TokenNameTakenError } from './tokens/token-store.ts'

/**
 * Turns every failure into a catalogue answer (errors.ts): API errors as they are; request validation, body
 * parsing, Inventory and domain errors and refused provisioning certificates (VALIDATION_FAILED, `details.problems`)
 * mapped to their code; anything else is INTERNAL (logged with its stack, answered with a generic message).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request'
    const issues = err.validation.map((issue) => ({
      in: where,
      path: issue.instancePath || '/',
      message: issue.message ?? 'invalid',
    }))
    return new ApiError(
      'VALIDATION_FAILED',
      `invalid ${where}: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`,
      { issues },
    )
  }
  if (err instanceof InventoryError) return fromInventory(err)
  if (err instanceof DomainError) return fromDomain(err)
  if (err instanceof RolloutStoreError)
    return new ApiError(err.code === 'ROLLOUT_NOT_FOUND' ? 'ROLLOUT_NOT_FOUND' : 'ROLLOUT_STATE_CONFLICT', err.message)
  if (err instanceof ProvisioningCertificateError)
    return new ApiError('VALIDATION_FAILED', err.message, { problems: err.problems })
  if (err instanceof TokenNameTakenError) return new ApiError('TOKEN_NAME_TAKEN')
  if (isResponseSerializationError(err)) return new ApiError('INTERNAL', undefined, undefined, { cause: err })
  const code = FASTIFY_CODES[(err as Partial<FastifyError>).code ?? '']
  if (code !== undefined) return new ApiError(code)
  const status = (err as Partial<FastifyError>).statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError('BAD_REQUEST')
  return new ApiError('INTERNAL', undefined, undefined, { cause: err })
}

/**
 * An answer the API gives by design: a client error (4xx) or a feature this manager has not configured (501). Logged
 * at info with its code, without a stack trace; every other 5xx is a failure, logged at error with its stack.
 */
function isExpectedAnswer(status: number): boolean {
  return status < 500 || status === 501
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const apiError = toApiError(err)
  const { code, status } = apiError
  if (isExpectedAnswer(status)) request.log.info({ code, status }, 'request refused')
  else request.log.error({ err, code }, 'request failed')
  if (apiError.code === 'UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer realm="amt-manager"')
  return reply.code(apiError.status).type('application/json').send(errorBody(apiError, request.id))
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    code: error.code,
    message: error.message,
    requestId,
    ...(error.details === undefined ? {} : { details: error.details }),
  }
}

const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
}

function fromInventory(err: InventoryError): ApiError {
  const { entity, tenantId, hostId, index } = err.details
  const where = {
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(hostId === undefined ? {} : { hostId }),
    ...(index === undefined ? {} : { index }),
  }
  const byCode: Record<InventoryErrorCode, () => ApiError> = {
    INVENTORY_NOT_FOUND: () =>
      new ApiError(
        entity === 'tenant' ? 'TENANT_NOT_FOUND' : entity === 'group' ? 'GROUP_NOT_FOUND' : 'HOST_NOT_FOUND',
        undefined,
        where,
      ),
    INVENTORY_ALREADY_EXISTS: () =>
      new ApiError(
        entity === 'tenant' ? 'TENANT_EXISTS' : entity === 'host' ? 'HOST_EXISTS' : 'CREDENTIAL_CONFLICT',
        undefined,
        where,
      ),
    INVENTORY_VERSION_CONFLICT: () =>
      new ApiError(entity === 'group' ? 'GROUP_CHANGED' : 'HOST_CHANGED', undefined, where),
    INVENTORY_INVALID_INPUT: () => new ApiError('VALIDATION_FAILED', err.message),
    INVENTORY_TENANT_NOT_EMPTY: () => new ApiError('BAD_REQUEST', 'the tenant still has hosts'),
    INVENTORY_STORAGE_FAILED: () => new ApiError('STORAGE_UNAVAILABLE', undefined, undefined, { cause: err }),
    INVENTORY_CLOSED: () => new ApiError('STORAGE_UNAVAILABLE', undefined, undefined, { cause: err }),
    INVENTORY_SCHEMA_TOO_NEW: () => new ApiError('INTERNAL', undefined, undefined, { cause: err }),
    INVENTORY_MIGRATION_FAILED: () => new ApiError('INTERNAL', undefined, undefined, { cause: err }),
  }
  return byCode[err.code]()
}

function fromDomain(err: DomainError): ApiError {
  switch (err.code) {
    case 'DESIRED_INVALID':
      return new ApiError('VALIDATION_FAILED', err.message)
    case 'DESIRED_HOST_DELETING':
      return new ApiError('HOST_DELETING', err.message)
    case 'PREPARATION_FAILED':
      return new ApiError('PREPARATION_FAILED', err.message, undefined, { cause: err })
    case 'ROLLOUT_INVALID':
      return new ApiError('VALIDATION_FAILED', err.message)
    case 'ROLLOUT_STATE_CONFLICT':
      return new ApiError('ROLLOUT_STATE_CONFLICT', err.message)
    case 'ROLLOUT_HOSTS_BUSY':
      return new ApiError('ROLLOUT_HOSTS_BUSY', err.message)
    case 'ROTATION_UNSUPPORTED':
    case 'ROTATION_MPS_COPY_UNCONFIGURED':
    case 'ROTATION_NOT_POSSIBLE':
      return new ApiError(err.code, err.message)
  }
}

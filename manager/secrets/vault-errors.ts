import { SecretStoreError, type SecretStoreErrorDetails } from './errors.ts'

/**
 * What a node-vault call failed with, reduced to what decides the next step. node-vault rejects with
 * ApiResponseError (`response.statusCode`, `response.body.errors`) for non-2xx answers and with the raw axios
 * error (whose `config.headers` carry X-Vault-Token!) for transport failures: neither may be logged or kept as a
 * cause, so only the fields below survive.
 */
export type VaultFailure =
  { kind: 'status'; status: number; errors: string[] } | { kind: 'network'; code: string } | { kind: 'other' }

export function classifyVaultError(err: unknown): VaultFailure {
  if (err instanceof SecretStoreError) return { kind: 'other' }
  const response = (err as { response?: { statusCode?: unknown; body?: unknown } } | null)?.response
  if (response && typeof response.statusCode === 'number') {
    const errors = (response.body as { errors?: unknown } | null | undefined)?.errors
    return {
      kind: 'status',
      status: response.statusCode,
      errors: Array.isArray(errors) ? errors.filter((e): e is string => typeof e === 'string') : [],
    }
  }
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.length > 0) return { kind: 'network', code }
  return { kind: 'other' }
}

/** KV v2 answers a missing (or deleted) secret with 404 and no error text; an unknown mount has one. */
export function isMissingSecret(failure: VaultFailure): boolean {
  return failure.kind === 'status' && failure.status === 404 && failure.errors.length === 0
}

export function isPermissionDenied(failure: VaultFailure): boolean {
  return failure.kind === 'status' && failure.status === 403
}

/** A KV v2 check-and-set write refused because a version exists already. */
export function isCasMismatch(failure: VaultFailure): boolean {
  return (
    failure.kind === 'status' && failure.status === 400 && failure.errors.some((text) => text.includes('check-and-set'))
  )
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'timed out',
  ETIMEDOUT: 'timed out',
  ERR_CANCELED: 'canceled',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

/** The catalogue error of a failure; the reason comes from a fixed vocabulary (never Vault's or axios' text). */
export function toSecretStoreError(err: unknown, where: SecretStoreErrorDetails): SecretStoreError {
  if (err instanceof SecretStoreError) return err
  const failure = classifyVaultError(err)
  if (failure.kind === 'network') {
    return new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
      ...where,
      reason: NETWORK_REASONS[failure.code] ?? 'network error',
    })
  }
  if (failure.kind === 'other')
    return new SecretStoreError('SECRET_STORE_REJECTED', { ...where, reason: 'unexpected client failure' })
  const { status } = failure
  if (status === 503) {
    const sealed = failure.errors.some((text) => /sealed/i.test(text))
    return new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
      ...where,
      status,
      reason: sealed ? 'HTTP 503 sealed' : 'HTTP 503',
    })
  }
  if (status >= 500 || status === 429 || status === 412)
    return new SecretStoreError('SECRET_STORE_UNAVAILABLE', { ...where, status, reason: `HTTP ${status}` })
  if (status === 401 || status === 403)
    return new SecretStoreError('SECRET_STORE_AUTH_FAILED', { ...where, status, reason: 'permission denied' })
  if (status === 404)
    return new SecretStoreError('SECRET_STORE_REJECTED', {
      ...where,
      status,
      reason: 'no such route (is the mount a KV v2 engine?)',
    })
  return new SecretStoreError('SECRET_STORE_REJECTED', { ...where, status, reason: `HTTP ${status}` })
}

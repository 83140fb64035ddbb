/**
 * The secret store's one error catalogue: a stable `code`, whether retrying may help, and a fixed message.
 * Messages and details never contain a secret, a token or a server-provided text: only the catalogue message,
 * a reason from a fixed vocabulary (e.g. "connection refused", "HTTP 503 sealed") and the ids involved.
 * docs/secrets.md documents the same table; test/manager/secrets/errors.test.ts keeps both in sync.
 */
export const SECRET_STORE_ERRORS = {
  SECRET_STORE_UNAVAILABLE: { retryable: true, message: 'the secret store is unavailable' },
  SECRET_STORE_AUTH_FAILED: { retryable: false, message: 'the secret store refused the manager credentials' },
  SECRET_STORE_REJECTED: { retryable: false, message: 'the secret store rejected the request' },
  SECRET_STORE_CORRUPT: { retryable: false, message: 'a stored secret is malformed' },
  SECRET_STORE_INVALID_KEY: { retryable: false, message: 'a tenant or host id is not valid' },
  SECRET_STORE_CLOSED: { retryable: false, message: 'the secret store is closed' },
  SECRET_STORE_CONFIG_INVALID: { retryable: false, message: 'the secret store configuration is invalid' },
  SECRET_STORE_KEK_REFUSED: { retryable: false, message: 'the key-encryption key does not open the stored secrets' },
} as const satisfies Record<string, { retryable: boolean; message: string }>

export type SecretStoreErrorCode = keyof typeof SECRET_STORE_ERRORS

/** What went wrong, for logs and callers. Never a secret. */
export interface SecretStoreErrorDetails {
  /** e.g. 'read', 'write', 'delete', 'login', 'renew', 'lookup' */
  operation?: string
  /** From a fixed vocabulary ("connection refused", "timed out", "HTTP 503 sealed", ...). */
  reason?: string
  status?: number
  tenantId?: string
  hostId?: string
}

export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError'
  readonly code: SecretStoreErrorCode
  readonly retryable: boolean
  readonly details: SecretStoreErrorDetails

  constructor(code: SecretStoreErrorCode, details: SecretStoreErrorDetails = {}) {
    const { message, retryable } = SECRET_STORE_ERRORS[code]
    super(details.reason === undefined ? message : `${message}: ${details.reason}`)
    this.code = code
    this.retryable = retryable
    this.details = details
  }
}

export function isSecretStoreError(err: unknown): err is SecretStoreError {
  return err instanceof SecretStoreError
}

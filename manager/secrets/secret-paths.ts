import { isValidId } from '../../schemas/ids.ts'
import { SecretStoreError } from './errors.ts'
import type { HostKey } from './port.ts'

/**
 * Where a secret lives, relative to the store's root (Vault: below `<mount>/data/<prefix>/`; local: below the
 * directory). Ids are checked with the topic id rule (schemas/ids.ts: no `/`, starts with a letter or digit, so no
 * `.`/`..` segment), so a crafted id can never address another tenant's secret or escape the prefix.
 */
export function tenantSecretPath(tenantId: string): string[] {
  checkId(tenantId, { tenantId })
  return [tenantId, 'tenant']
}

export function hostSecretPath(key: HostKey): string[] {
  checkId(key.tenantId, key)
  checkId(key.hostId, key)
  return [key.tenantId, 'hosts', key.hostId]
}

function checkId(id: string, where: { tenantId?: string; hostId?: string }): void {
  if (typeof id !== 'string' || !isValidId(id)) {
    throw new SecretStoreError('SECRET_STORE_INVALID_KEY', {
      reason: 'ids must follow the tenant/host id rule',
      ...safeIds(where),
    })
  }
}

/** Only ids that are valid may be echoed (an invalid one could carry anything). */
function safeIds({ tenantId, hostId }: { tenantId?: string; hostId?: string }) {
  return {
    ...(tenantId !== undefined && isValidId(tenantId) ? { tenantId } : {}),
    ...(hostId !== undefined && isValidId(hostId) ? { hostId } : {}),
  }
}

/** Parses a stored record ({ password, mebxPassword? }); anything else is SECRET_STORE_CORRUPT. */
export function secretOf(data: unknown, where: { tenantId?: string; hostId?: string }): AmtSecretRecord {
  if (typeof data !== 'object' || data === null) throw corrupt(where)
  const { password, mebxPassword } = data as Record<string, unknown>
  if (typeof password !== 'string' || password.length === 0) throw corrupt(where)
  if (mebxPassword !== undefined && mebxPassword !== null && typeof mebxPassword !== 'string') throw corrupt(where)
  return typeof mebxPassword === 'string' && mebxPassword.length > 0 ? { password, mebxPassword } : { password }
}

export type AmtSecretRecord = { password: string; mebxPassword?: string }

/** The stored form of a secret: exactly the keys `password` and (when set) `mebxPassword`. */
export function recordOf(secret: AmtSecretRecord): AmtSecretRecord {
  if (typeof secret?.password !== 'string' || secret.password.length === 0) {
    throw new SecretStoreError('SECRET_STORE_REJECTED', { reason: 'a secret needs a non-empty password' })
  }
  return secret.mebxPassword
    ? { password: secret.password, mebxPassword: secret.mebxPassword }
    : { password: secret.password }
}

function corrupt(where: { tenantId?: string; hostId?: string }): SecretStoreError {
  return new SecretStoreError('SECRET_STORE_CORRUPT', {
    operation: 'read',
    reason: 'no password in the stored record',
    ...safeIds(where),
  })
}

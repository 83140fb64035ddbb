import NodeVault from 'node-vault'
import { backoffDelay, sleep, type BackoffOptions } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'
import type { SecretStoreErrorDetails } from './errors.ts'
import type { AmtSecret, HostKey, PutOptions, SecretStore, SecretStoreHealth } from './port.ts'
import { hostSecretPath, recordOf, secretOf, tenantSecretPath } from './secret-paths.ts'
import { createVaultLogin, type VaultAuthConfig } from './vault-auth.ts'
import {
  classifyVaultError,
  isCasMismatch,
  isMissingSecret,
  isPermissionDenied,
  toSecretStoreError,
} from './vault-errors.ts'
import { VaultSession, type Schedule } from './vault-session.ts'

export interface VaultStoreOptions {
  /** e.g. https://vault.example:8200 */
  address: string
  /** The KV v2 mount, default `secret`. */
  mount?: string
  /** Below the mount, default `amt`. */
  pathPrefix?: string
  auth: VaultAuthConfig
  /** Per request, default 5000. */
  timeoutMs?: number
  /** Retries of a retryable failure (down, timeout, 5xx, sealed), default 3. */
  retries?: number
  backoff?: BackoffOptions
  /** Vault Enterprise namespace. */
  namespace?: string
  /** PEM CA certificate(s) for https addresses. */
  ca?: string
  log: Logger
  /** Timer for token renewal (tests pass a manual one). */
  schedule?: Schedule
}

export const VAULT_DEFAULTS = {
  mount: 'secret',
  pathPrefix: 'amt',
  timeoutMs: 5000,
  retries: 3,
  backoff: { baseMs: 200, maxMs: 5000 },
} as const

/** The node-vault options it does not declare (it reads them all). */
type ClientOptions = NodeVault.VaultOptions & { rpDefaults: { strictSSL: boolean } }

/**
 * SecretStore on Vault KV v2 through node-vault (see port.ts for the layout). Every operation: make sure a token
 * is held (VaultSession), call, and on failure either log in again once (403: the token expired or was revoked)
 * or retry with backoff (down, timeout, 5xx, sealed) up to `retries` times, then reject with a SecretStoreError.
 * node-vault's debug output (which would print request bodies: passwords) is switched off, and the environment
 * (VAULT_TOKEN, VAULT_PREFIX, VAULT_NAMESPACE, VAULT_SKIP_VERIFY) is ignored: only this config counts.
 */
export function createVaultSecretStore(options: VaultStoreOptions): SecretStore & { readonly session: VaultSession } {
  const mount = options.mount ?? VAULT_DEFAULTS.mount
  const prefix = options.pathPrefix ?? VAULT_DEFAULTS.pathPrefix
  const retries = options.retries ?? VAULT_DEFAULTS.retries
  const backoff = options.backoff ?? VAULT_DEFAULTS.backoff
  const log = options.log.child({ module: 'vault' })
  const clientOptions: ClientOptions = {
    endpoint: options.address,
    apiVersion: 'v1',
    debug: () => undefined,
    rpDefaults: { strictSSL: true },
    requestOptions: {
      timeout: options.timeoutMs ?? VAULT_DEFAULTS.timeoutMs,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    },
  }
  const client = NodeVault(clientOptions)
  Object.assign(client, { token: '', pathPrefix: '', namespace: options.namespace })
  const session = new VaultSession({
    client,
    login: createVaultLogin(options.auth),
    log,
    ...(options.schedule ? { schedule: options.schedule } : {}),
  })
  const pathOf = (segments: string[], area: 'data' | 'metadata') =>
    [mount, area, ...(prefix ? [prefix] : []), ...segments].join('/')

  /** One operation with re-login (once) and retries; every failure leaves as a SecretStoreError. */
  async function run<T>(where: SecretStoreErrorDetails, call: () => Promise<T>): Promise<T> {
    let relogged = false
    for (let attempt = 0; ; attempt++) {
      let generation = session.generation
      try {
        await session.ready()
        generation = session.generation
        return await call()
      } catch (err) {
        const failure = classifyVaultError(err)
        if (isPermissionDenied(failure) && session.canRelogin && !relogged) {
          relogged = true
          log.info({ operation: where.operation, method: session.method }, 'vault refused the token; logging in again')
          session.invalidate(generation)
          attempt--
          continue
        }
        const error = toSecretStoreError(err, where)
        if (!error.retryable || attempt >= retries) {
          log.warn(
            { ...where, code: error.code, reason: error.details.reason, attempts: attempt + 1 },
            'vault operation failed',
          )
          throw error
        }
        log.debug(
          { ...where, code: error.code, reason: error.details.reason, attempt },
          'vault operation failed; retrying',
        )
        await sleep(backoffDelay(attempt, backoff))
      }
    }
  }

  async function read(segments: string[], where: SecretStoreErrorDetails): Promise<AmtSecret | null> {
    return run({ operation: 'read', ...where }, async () => {
      try {
        const response = (await client.read(pathOf(segments, 'data'))) as { data?: { data?: unknown } } | null
        return secretOf(response?.data?.data, where)
      } catch (err) {
        if (isMissingSecret(classifyVaultError(err))) return null
        throw err
      }
    })
  }

  async function write(
    segments: string[],
    secret: AmtSecret,
    { onlyIfAbsent = false }: PutOptions,
    where: SecretStoreErrorDetails,
  ): Promise<boolean> {
    const body = { data: recordOf(secret), ...(onlyIfAbsent ? { options: { cas: 0 } } : {}) }
    return run({ operation: 'write', ...where }, async () => {
      try {
        await client.write(pathOf(segments, 'data'), body)
        return true
      } catch (err) {
        if (onlyIfAbsent && isCasMismatch(classifyVaultError(err))) return false
        throw err
      }
    })
  }

  /** Soft-deletes the latest version (unreadable at once), then the metadata: every version is gone. */
  async function remove(segments: string[], where: SecretStoreErrorDetails): Promise<void> {
    await run({ operation: 'delete', ...where }, async () => {
      await client.delete(pathOf(segments, 'data'))
      await client.delete(pathOf(segments, 'metadata'))
    })
  }

  return {
    kind: 'vault',
    session,
    getAmtPassword: async (key: HostKey) => read(hostSecretPath(key), idsOf(key)),
    putAmtPassword: async (key, secret, putOptions = {}) => write(hostSecretPath(key), secret, putOptions, idsOf(key)),
    deleteHostSecrets: async (key) => remove(hostSecretPath(key), idsOf(key)),
    getTenantPassword: async (tenantId) => read(tenantSecretPath(tenantId), { tenantId }),
    putTenantPassword: async (tenantId, secret, putOptions = {}) =>
      write(tenantSecretPath(tenantId), secret, putOptions, { tenantId }),
    deleteTenantSecrets: async (tenantId) => remove(tenantSecretPath(tenantId), { tenantId }),
    async health(): Promise<SecretStoreHealth> {
      try {
        await session.ready()
        await client.tokenLookupSelf()
        return { ok: true, kind: 'vault' }
      } catch (err) {
        const error = toSecretStoreError(err, { operation: 'lookup' })
        return { ok: false, kind: 'vault', detail: `${error.code}: ${error.details.reason ?? error.message}` }
      }
    },
    close: () => {
      session.close()
      return Promise.resolve()
    },
  }
}

const idsOf = ({ tenantId, hostId }: HostKey): SecretStoreErrorDetails => ({ tenantId, hostId })

/** Mount and prefix: path segments of [A-Za-z0-9_.-] (the prefix may be empty). */
export function checkVaultPath(value: string, allowEmpty: boolean): boolean {
  return (allowEmpty && value === '') || /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/.test(value)
}

import NodeVault from 'node-vault'
import { backoffDelay, sleep, type BackoffOptions } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'
import { SecretStoreError, type SecretStoreErrorDetails } from './errors.ts'
import type { AmtSecret, AmtSecretVersion, HostKey, PutOptions, SecretStore, SecretStoreHealth } from './port.ts'
import { hostSecretPath, recordOf, secretOf, tenantSecretPath } from './secret-paths.ts'
import { createVaultLogin, type VaultAuthConfig } from './vault-auth.ts'
import {
  classifyVaultError,
  isCasMismatch,
  isMissingSecret,
  isPermissionDenied,
  toSecretStoreError,
} from './vault-errors.ts'
import { isLive, liveVersions, metadataOf, type KvMetadata } from './vault-kv-metadata.ts'
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

  /**
   * A new version. onlyIfAbsent: check-and-set on the current version — 0 for a path without one; when the
   * current version is deleted or destroyed (nothing readable is stored) its number, so exactly one of several
   * concurrent writers wins either way; false when a readable version is stored.
   */
  async function write(
    segments: string[],
    secret: AmtSecret,
    { onlyIfAbsent = false }: PutOptions,
    where: SecretStoreErrorDetails,
  ): Promise<boolean> {
    const data = recordOf(secret)
    const path = pathOf(segments, 'data')
    const casWrite = async (cas: number): Promise<boolean> => {
      try {
        await client.write(path, { data, options: { cas } })
        return true
      } catch (err) {
        if (isCasMismatch(classifyVaultError(err))) return false
        throw err
      }
    }
    return run({ operation: 'write', ...where }, async () => {
      if (!onlyIfAbsent) {
        await client.write(path, { data })
        return true
      }
      if (await casWrite(0)) return true
      const metadata = await readMetadata(segments)
      if (metadata === null) return casWrite(0)
      const latest = metadata.versions[String(metadata.current_version)]
      return latest !== undefined && !isLive(latest) && casWrite(metadata.current_version)
    })
  }

  /** KV v2 metadata of a path, null when there is none (404). Throws the raw failure (inside `run`). */
  async function readMetadata(segments: string[]): Promise<KvMetadata | null> {
    try {
      const response = (await client.read(pathOf(segments, 'metadata'))) as { data?: unknown } | null
      return metadataOf(response?.data)
    } catch (err) {
      if (isMissingSecret(classifyVaultError(err))) return null
      throw err
    }
  }

  /**
   * The readable versions, newest first: the metadata names them (Vault keeps at most the secret's, else the
   * mount's `max_versions`), deleted and destroyed ones are skipped, then each is read with `?version=N` (one
   * deleted meanwhile is skipped too).
   */
  async function history(segments: string[], limit: number, where: SecretStoreErrorDetails) {
    return run({ operation: 'history', ...where }, async () => {
      const metadata = await readMetadata(segments)
      if (metadata === null) return []
      const found: AmtSecretVersion[] = []
      for (const { version, writtenAt } of liveVersions(metadata)) {
        if (found.length >= limit) break
        try {
          const path = `${pathOf(segments, 'data')}?version=${version}`
          const response = (await client.read(path)) as { data?: { data?: unknown } } | null
          found.push({ version, writtenAt, secret: secretOf(response?.data?.data, where) })
        } catch (err) {
          if (!isMissingSecret(classifyVaultError(err))) throw err
        }
      }
      return found
    })
  }

  /** A key of another component's KV v2 secret (port.ts), check-and-set on the version read; a race reads again. */
  async function setForeignSecretKey(
    location: { mount: string; path: string },
    field: string,
    value: string,
  ): Promise<'written' | 'absent'> {
    const dataPath = `${location.mount}/data/${location.path}`
    return run({ operation: 'write', reason: 'foreign secret' }, async () => {
      for (let race = 0; race < 5; race++) {
        let response: { data?: { data?: Record<string, unknown>; metadata?: { version?: number } } } | null
        try {
          response = (await client.read(dataPath)) as typeof response
        } catch (err) {
          if (isMissingSecret(classifyVaultError(err))) return 'absent'
          throw err
        }
        const data = response?.data?.data
        const version = response?.data?.metadata?.version
        if (data === undefined || data === null || typeof version !== 'number') return 'absent'
        try {
          await client.write(dataPath, { data: { ...data, [field]: value }, options: { cas: version } })
          return 'written'
        } catch (err) {
          if (!isCasMismatch(classifyVaultError(err))) throw err
        }
      }
      throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
        operation: 'write',
        reason: 'the secret kept changing while it was written (check-and-set)',
      })
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
    getAmtPasswordHistory: async (key, { limit = Number.POSITIVE_INFINITY } = {}) =>
      history(hostSecretPath(key), limit, idsOf(key)),
    putAmtPassword: async (key, secret, putOptions = {}) => write(hostSecretPath(key), secret, putOptions, idsOf(key)),
    deleteHostSecrets: async (key) => remove(hostSecretPath(key), idsOf(key)),
    getTenantPassword: async (tenantId) => read(tenantSecretPath(tenantId), { tenantId }),
    putTenantPassword: async (tenantId, secret, putOptions = {}) =>
      write(tenantSecretPath(tenantId), secret, putOptions, { tenantId }),
    deleteTenantSecrets: async (tenantId) => remove(tenantSecretPath(tenantId), { tenantId }),
    setForeignSecretKey,
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

import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from '../../lib/log.ts'
import { withoutCredentials } from '../../lib/url.ts'
import { SecretStoreError } from './errors.ts'
import { keyringOf, loadOrCreateKeyFile, parseKek, type Keyring } from './local-keys.ts'
import { createLocalSecretStore } from './local-sqlite.ts'
import type { SecretStore } from './port.ts'
import { reveal, type SecretInput, type VaultAuthConfig } from './vault-auth.ts'
import { checkVaultPath, createVaultSecretStore, VAULT_DEFAULTS, type VaultStoreOptions } from './vault.ts'
import type { Schedule } from './vault-session.ts'

/** What main() passes (parsed from the manager's config; secrets as strings or `SecretValue` holders). */
export type SecretStoreConfig =
  | {
      kind: 'local'
      file: string
      /** The current key-encryption key, `<id>:<base64 of 32 bytes>`; absent: a key file next to `file`. */
      key?: SecretInput
      /** Older KEKs (same form), only to open and re-seal records sealed under them (rotation). */
      previousKeys?: readonly SecretInput[]
      /** Versions of each host's secret kept, the current one included (local-host-versions.ts); default 10. */
      maxVersions?: number
    }
  /** Vault's options as the store takes them, with the CA as a PEM file path (read here) instead of its text. */
  | ({ kind: 'vault'; caFile?: string } & Omit<VaultStoreOptions, 'ca' | 'log' | 'schedule'>)

export interface SecretStoreDeps {
  log: Logger
  schedule?: Schedule
}

/**
 * Builds the configured SecretStore. Vault is not contacted here: it is logged in to on first use, so a Vault
 * that is down at start delays only the operations that need it. The local store opens its database file now
 * (SECRET_STORE_UNAVAILABLE when it cannot). Throws SECRET_STORE_CONFIG_INVALID (listing every problem, never a
 * secret value) for a bad config, or a local database of a newer release.
 */
export function createSecretStore(config: SecretStoreConfig, { log, schedule }: SecretStoreDeps): SecretStore {
  const problems = problemsOf(config)
  if (problems.length > 0) throw new SecretStoreError('SECRET_STORE_CONFIG_INVALID', { reason: problems.join('; ') })
  if (config.kind === 'local') {
    const keyring = localKeyring(config, log)
    const versions = config.maxVersions === undefined ? {} : { maxVersions: config.maxVersions }
    const store = createLocalSecretStore({ file: config.file, keyring, log, ...versions })
    const fields = { kind: 'local', file: config.file, kek: keyring.current.id }
    log.child({ module: 'secrets' }).info(fields, 'secret store: local SQLite file (single machine only), encrypted')
    return store
  }
  const { address, mount = VAULT_DEFAULTS.mount, pathPrefix = VAULT_DEFAULTS.pathPrefix } = config
  log
    .child({ module: 'secrets' })
    .info(
      { kind: 'vault', address: withoutCredentials(address), mount, pathPrefix, auth: config.auth.method },
      'secret store: Vault KV v2',
    )
  return createVaultSecretStore({
    address,
    mount,
    pathPrefix,
    auth: config.auth,
    log,
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    ...(config.retries === undefined ? {} : { retries: config.retries }),
    ...(config.backoff === undefined ? {} : { backoff: config.backoff }),
    ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
    ...(config.caFile === undefined ? {} : { ca: readFileSync(config.caFile, 'utf8') }),
    ...(schedule ? { schedule } : {}),
  })
}

/** The default key file's name, next to the database (in dataDir by default), when no key is configured. */
const GENERATED_KEY_FILE_NAME = 'secrets.key'

/** The configured KEKs, or the generated key file's (created 0600 when missing) with a warning. */
function localKeyring(config: Extract<SecretStoreConfig, { kind: 'local' }>, log: Logger): Keyring {
  const previous = (config.previousKeys ?? []).map((text, index) =>
    parseKek(reveal(text), `previous key #${index + 1}`),
  )
  if (config.key !== undefined) return keyringOf(parseKek(reveal(config.key), 'the current key'), previous)
  const file = path.join(path.dirname(config.file), GENERATED_KEY_FILE_NAME)
  const { kek, created } = loadOrCreateKeyFile(file)
  log
    .child({ module: 'secrets' })
    .warn(
      { file, kek: kek.id, created },
      'no secrets key configured: the local store is encrypted with a key file NEXT TO THE DATA; in production set ' +
        'secrets.keyFile (or AMT_MANAGER_SECRETS_KEY) to a key kept apart from the data (docs/secrets.md)',
    )
  return keyringOf(kek, previous)
}

function problemsOf(config: SecretStoreConfig): string[] {
  if (config.kind === 'local')
    return typeof config.file === 'string' && config.file.length > 0 ? [] : ['local: file is required']
  if (config.kind !== 'vault') return ['kind must be local or vault']
  const problems: string[] = []
  if (!isHttpUrl(config.address)) problems.push('vault: address must be an http(s) URL')
  if (config.mount !== undefined && !checkVaultPath(config.mount, false))
    problems.push('vault: mount must be a path of [A-Za-z0-9_.-] segments')
  if (config.pathPrefix !== undefined && !checkVaultPath(config.pathPrefix, true))
    problems.push('vault: pathPrefix must be empty or a path of [A-Za-z0-9_.-] segments')
  if (config.timeoutMs !== undefined && !(Number.isInteger(config.timeoutMs) && config.timeoutMs > 0))
    problems.push('vault: timeoutMs must be a positive integer')
  if (config.retries !== undefined && !(Number.isInteger(config.retries) && config.retries >= 0))
    problems.push('vault: retries must be an integer >= 0')
  problems.push(...authProblems(config.auth))
  return problems
}

function authProblems(auth: VaultAuthConfig | undefined): string[] {
  switch (auth?.method) {
    case 'token':
      return present(auth.token) ? [] : ['vault: auth.token is required']
    case 'approle':
      return typeof auth.roleId === 'string' && auth.roleId.length > 0 ? [] : ['vault: auth.roleId is required']
    case 'kubernetes':
      return [
        ...(typeof auth.role === 'string' && auth.role.length > 0 ? [] : ['vault: auth.role is required']),
        ...(typeof auth.jwtFile === 'string' && auth.jwtFile.length > 0 ? [] : ['vault: auth.jwtFile is required']),
      ]
    default:
      return ['vault: auth.method must be token, approle or kubernetes']
  }
}

const present = (secret: Parameters<typeof reveal>[0] | undefined): boolean =>
  secret !== undefined && reveal(secret).length > 0

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** The address without credentials or query, for the log. */

import { readFile } from 'node:fs/promises'
import type NodeVault from 'node-vault'
import { SecretStoreError } from './errors.ts'
import { classifyVaultError, toSecretStoreError } from './vault-errors.ts'

/** A secret given in config: plain text or a holder that never prints it (lib/secret-value.ts). */
export type SecretInput = string | { reveal(): string }

export const reveal = (secret: SecretInput): string => (typeof secret === 'string' ? secret : secret.reveal())

/** How the manager authenticates to Vault. Mount points default to Vault's: `approle`, `kubernetes`. */
export type VaultAuthConfig =
  | { method: 'token'; token: SecretInput }
  | { method: 'approle'; roleId: string; secretId?: SecretInput; mountPoint?: string }
  | { method: 'kubernetes'; role: string; jwtFile: string; mountPoint?: string }

/** A token as Vault granted it: `leaseSeconds` 0 means it does not expire. */
export interface TokenLease {
  token: string
  leaseSeconds: number
  renewable: boolean
}

export interface VaultLogin {
  readonly method: VaultAuthConfig['method']
  /** False for a configured token: when it is refused, nothing can replace it. */
  readonly canRelogin: boolean
  login(client: NodeVault.client): Promise<TokenLease>
}

/** Vault's answer to a login or renew-self: `auth.client_token`, `auth.lease_duration`, `auth.renewable`. */
function leaseOf(response: unknown, method: string): TokenLease {
  const auth = (response as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } } | null)
    ?.auth
  if (typeof auth?.client_token !== 'string' || auth.client_token.length === 0) {
    throw new SecretStoreError('SECRET_STORE_AUTH_FAILED', {
      operation: 'login',
      reason: `${method} login answered no token`,
    })
  }
  return {
    token: auth.client_token,
    leaseSeconds: typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration : 0,
    renewable: auth.renewable === true,
  }
}

/** Login failures: refused credentials (400/401/403) are AUTH_FAILED, the rest as any Vault failure. */
function loginError(err: unknown, method: string): SecretStoreError {
  const failure = classifyVaultError(err)
  if (failure.kind === 'status' && (failure.status === 400 || failure.status === 401 || failure.status === 403)) {
    return new SecretStoreError('SECRET_STORE_AUTH_FAILED', {
      operation: 'login',
      status: failure.status,
      reason: `${method} login refused (HTTP ${failure.status})`,
    })
  }
  return toSecretStoreError(err, { operation: 'login' })
}

export function createVaultLogin(config: VaultAuthConfig): VaultLogin {
  switch (config.method) {
    case 'token':
      return {
        method: 'token',
        canRelogin: false,
        // The configured token: lookup-self tells whether it is valid, its remaining TTL and whether it renews.
        async login(client) {
          const token = reveal(config.token)
          client.token = token
          try {
            const looked = (await client.tokenLookupSelf()) as { data?: { ttl?: unknown; renewable?: unknown } } | null
            const ttl = looked?.data?.ttl
            return {
              token,
              leaseSeconds: typeof ttl === 'number' && ttl > 0 ? ttl : 0,
              renewable: looked?.data?.renewable === true,
            }
          } catch (err) {
            throw loginError(err, 'token')
          }
        },
      }
    case 'approle':
      return {
        method: 'approle',
        canRelogin: true,
        async login(client) {
          client.token = ''
          try {
            const secretId = config.secretId === undefined ? {} : { secret_id: reveal(config.secretId) }
            const response: unknown = await client.approleLogin({
              role_id: config.roleId,
              ...secretId,
              ...mountOf(config.mountPoint),
            })
            return leaseOf(response, 'approle')
          } catch (err) {
            throw err instanceof SecretStoreError ? err : loginError(err, 'approle')
          }
        },
      }
    case 'kubernetes':
      return {
        method: 'kubernetes',
        canRelogin: true,
        // The service-account token is read at every login: Kubernetes rotates projected tokens.
        async login(client) {
          client.token = ''
          let jwt: string
          try {
            jwt = (await readFile(config.jwtFile, 'utf8')).trim()
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code ?? 'error'
            throw new SecretStoreError('SECRET_STORE_AUTH_FAILED', {
              operation: 'login',
              reason: `cannot read the service-account token file (${code})`,
            })
          }
          try {
            // Always name the mount: node-vault 0.12 renders a missing one as `auth//login` (its kubernetesPath is unused).
            const response: unknown = await client.kubernetesLogin({
              role: config.role,
              jwt,
              mount_point: config.mountPoint ?? 'kubernetes',
            })
            return leaseOf(response, 'kubernetes')
          } catch (err) {
            throw err instanceof SecretStoreError ? err : loginError(err, 'kubernetes')
          }
        },
      }
  }
}

const mountOf = (mountPoint: string | undefined) => (mountPoint === undefined ? {} : { mount_point: mountPoint })

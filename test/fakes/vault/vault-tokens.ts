import { randomBytes, randomUUID } from 'node:crypto'
import { envelope, type KvAnswer } from './vault-kv.ts'

/** The fake Vault's token store and the two login methods the manager uses (AppRole, Kubernetes). */

export interface FakeToken {
  id: string
  accessor: string
  ttlSeconds: number
  renewable: boolean
  expired: boolean
  path: string
  policies: string[]
  meta: Record<string, string> | null
  renewals: number
}

export interface AppRoleConfig {
  roleId: string
  secretId: string
  ttlSeconds?: number
  renewable?: boolean
}

export interface KubernetesRoleConfig {
  role: string
  jwt: string
  ttlSeconds?: number
}

const errors = (...texts: string[]) => ({ errors: texts })
const PERMISSION_DENIED: KvAnswer = { status: 403, body: errors('permission denied') }

export class FakeTokens {
  readonly tokens = new Map<string, FakeToken>()
  readonly logins: Array<'approle' | 'kubernetes'> = []

  issue({
    ttlSeconds = 0,
    renewable = ttlSeconds > 0,
    path = 'auth/token/create',
    meta = null,
  }: Partial<Pick<FakeToken, 'ttlSeconds' | 'renewable' | 'path' | 'meta'>> = {}): FakeToken {
    const token: FakeToken = {
      id: `hvs.${randomBytes(18).toString('base64url')}`,
      accessor: randomBytes(12).toString('hex'),
      ttlSeconds,
      renewable,
      expired: false,
      path,
      policies: ['default', 'amt'],
      meta,
      renewals: 0,
    }
    this.tokens.set(token.id, token)
    return token
  }

  /** The live token of a request, or undefined (missing, unknown, expired). */
  valid(header: string | undefined): FakeToken | undefined {
    const token = header === undefined ? undefined : this.tokens.get(header)
    return token && !token.expired ? token : undefined
  }

  expireAll(): void {
    for (const token of this.tokens.values()) token.expired = true
  }

  approleLogin(body: unknown, role: AppRoleConfig | undefined): KvAnswer {
    const { role_id: roleId, secret_id: secretId } = (body ?? {}) as { role_id?: unknown; secret_id?: unknown }
    if (typeof roleId !== 'string' || roleId === '') return { status: 400, body: errors('missing role_id') }
    if (!role || roleId !== role.roleId || secretId !== role.secretId)
      return { status: 400, body: errors('invalid role or secret ID') }
    this.logins.push('approle')
    const ttlSeconds = role.ttlSeconds ?? 3600
    return this.#loginAnswer(
      this.issue({
        ttlSeconds,
        renewable: role.renewable ?? true,
        path: 'auth/approle/login',
        meta: { role_name: 'amt-manager' },
      }),
    )
  }

  kubernetesLogin(body: unknown, role: KubernetesRoleConfig | undefined): KvAnswer {
    const { role: name, jwt } = (body ?? {}) as { role?: unknown; jwt?: unknown }
    if (typeof name !== 'string' || name === '') return { status: 400, body: errors('missing role') }
    if (typeof jwt !== 'string' || jwt === '') return { status: 400, body: errors('missing jwt') }
    if (!role || name !== role.role) return { status: 400, body: errors(`invalid role name "${name}"`) }
    if (jwt !== role.jwt) return PERMISSION_DENIED
    this.logins.push('kubernetes')
    const ttlSeconds = role.ttlSeconds ?? 3600
    return this.#loginAnswer(
      this.issue({
        ttlSeconds,
        renewable: true,
        path: 'auth/kubernetes/login',
        meta: { role: name, service_account_name: 'amt-manager' },
      }),
    )
  }

  lookupSelf(header: string | undefined): KvAnswer {
    const token = this.valid(header)
    if (!token) return PERMISSION_DENIED
    const now = new Date().toISOString()
    return {
      status: 200,
      body: envelope({
        accessor: token.accessor,
        creation_time: Math.floor(Date.now() / 1000),
        creation_ttl: token.ttlSeconds,
        display_name: token.path.replace(/\//g, '-'),
        entity_id: '',
        expire_time: token.ttlSeconds > 0 ? new Date(Date.now() + token.ttlSeconds * 1000).toISOString() : null,
        explicit_max_ttl: 0,
        id: token.id,
        issue_time: now,
        meta: token.meta,
        num_uses: 0,
        orphan: true,
        path: token.path,
        policies: token.policies,
        renewable: token.renewable,
        ttl: token.ttlSeconds,
        type: 'service',
      }),
    }
  }

  renewSelf(header: string | undefined, body: unknown): KvAnswer {
    const token = this.valid(header)
    if (!token) return PERMISSION_DENIED
    if (!token.renewable) return { status: 400, body: errors('lease is not renewable') }
    const increment = (body as { increment?: unknown } | null)?.increment
    if (typeof increment === 'number' && increment > 0) token.ttlSeconds = increment
    token.renewals += 1
    return this.#loginAnswer(token)
  }

  #loginAnswer(token: FakeToken): KvAnswer {
    const auth = {
      client_token: token.id,
      accessor: token.accessor,
      policies: token.policies,
      token_policies: token.policies,
      metadata: token.meta,
      lease_duration: token.ttlSeconds,
      renewable: token.renewable,
      entity_id: randomUUID(),
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    }
    return { status: 200, body: envelope(null, auth) }
  }
}

import { z } from 'zod'
import { ID_PATTERN, ID_RULE } from '../../../schemas/ids.ts'

/**
 * API tokens: who may call the northbound API. A token carries a role and a tenant scope; only its hash is
 * stored (api-token.ts). Tokens live behind this small port, in the database of the configured engine
 * (open-token-store.ts): SQLite (sqlite-token-store.ts, its own file in the data directory) or PostgreSQL
 * (postgres-token-store.ts). The server and the local `tokens` commands open the same store, so a change made by
 * one is seen by the other at once.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const
export const Role = z
  .enum(ROLES)
  .describe(
    'viewer: read; operator: read + register, set desired, delete hosts; admin: operator + tokens (+ tenants when global)',
  )
export type Role = z.infer<typeof Role>

/** `*`: every tenant (a global token); otherwise one tenant id. */
export const GLOBAL_SCOPE = '*'
export const TenantScope = z
  .string()
  .refine((value) => value === GLOBAL_SCOPE || ID_PATTERN.test(value), {
    message: `tenant scope must be "*" or ${ID_RULE}`,
  })
  .describe('the tenant the token may see, or "*" for all tenants')

const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/
export const TokenId = z
  .string()
  .regex(TOKEN_ID_PATTERN, { message: 'token id must be 16 hex digits' })
  .describe('public id of a token (not secret)')
export const TokenName = z
  .string()
  .regex(ID_PATTERN, { message: `token name must be ${ID_RULE}` })
  .describe('unique name of the token; audit events name it as actor api:<name>')

export const StoredToken = z.strictObject({
  id: TokenId,
  name: TokenName,
  role: Role,
  tenant: TenantScope,
  /** `sha256$<base64url>` of the whole token text. */
  hash: z.string().regex(/^sha256\$[A-Za-z0-9_-]{43}$/),
  createdAt: z.iso.datetime(),
})
export type StoredToken = z.infer<typeof StoredToken>

/** The public part of a token record (never the hash). */
export type TokenInfo = Omit<StoredToken, 'hash'>

export class TokenNameTakenError extends Error {
  override readonly name = 'TokenNameTakenError'
  constructor(name: string) {
    super(`a token named ${JSON.stringify(name)} exists already`)
  }
}

export interface TokenStore {
  /** Null when no token has this id. */
  get(id: string): Promise<StoredToken | null>
  /** Ordered by `createdAt`, then by the order they were added. */
  list(): Promise<StoredToken[]>
  /** TokenNameTakenError when the name is used (also when another process took it a moment ago). */
  add(token: StoredToken): Promise<void>
  /** False when no token had this id. */
  remove(id: string): Promise<boolean>
}

/** Tests and embedding: tokens in memory only. */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredToken>()

  get(id: string): Promise<StoredToken | null> {
    return Promise.resolve(this.#tokens.get(id) ?? null)
  }

  list(): Promise<StoredToken[]> {
    // A stable sort: tokens of one instant keep the order they were added in.
    return Promise.resolve([...this.#tokens.values()].sort((a, b) => compareText(a.createdAt, b.createdAt)))
  }

  add(token: StoredToken): Promise<void> {
    const parsed = StoredToken.safeParse(token)
    if (!parsed.success) return Promise.reject(parsed.error)
    if ([...this.#tokens.values()].some((stored) => stored.name === parsed.data.name))
      return Promise.reject(new TokenNameTakenError(parsed.data.name))
    this.#tokens.set(parsed.data.id, parsed.data)
    return Promise.resolve()
  }

  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.#tokens.delete(id))
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

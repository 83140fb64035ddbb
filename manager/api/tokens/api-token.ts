import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { GLOBAL_SCOPE, type Role, type StoredToken, type TokenInfo, type TokenStore } from './token-store.ts'

/**
 * API token text: `amt_<id>_<secret>`: a public 16-hex-digit id (the lookup key, shown in listings) and a
 * 256-bit random secret. The store keeps only SHA-256 of the whole text: a slow password hash (scrypt) buys
 * nothing for 256 random bits and would cost tens of ms of CPU per request. The check compares digests in
 * constant time, and an unknown id costs the same hashing as a known one.
 */
const TOKEN_FORMAT = /^amt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
const SECRET_BYTES = 32

/** Who is calling: the verified token's public part. */
export interface Principal {
  tokenId: string
  name: string
  role: Role
  /** A tenant id, or `*` for all tenants. */
  tenant: string
}

export interface IssueInput {
  role: Role
  tenant: string
  /** Default: `<role>-<id>`. */
  name?: string
}

export interface IssuedToken {
  /** The token text: shown once, never stored. */
  token: string
  info: TokenInfo
}

export function hashToken(token: string): string {
  return `sha256$${createHash('sha256').update(token, 'utf8').digest('base64url')}`
}

/** Creates a token, stores its hash and returns its text (the only time it exists outside the caller). */
export async function issueToken(store: TokenStore, input: IssueInput, now: Date = new Date()): Promise<IssuedToken> {
  const id = randomBytes(8).toString('hex')
  const token = `amt_${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`
  const stored: StoredToken = {
    id,
    name: input.name ?? `${input.role}-${id}`,
    role: input.role,
    tenant: input.tenant,
    hash: hashToken(token),
    createdAt: now.toISOString(),
  }
  await store.add(stored)
  return { token, info: tokenInfo(stored) }
}

/** The principal of a token text, or null for a malformed, unknown or wrong token. */
export async function verifyToken(store: TokenStore, token: string): Promise<Principal | null> {
  const match = TOKEN_FORMAT.exec(token)
  if (!match) return null
  const id = match[1] ?? ''
  const presented = digestOf(hashToken(token))
  const stored = await store.get(id)
  const expected = stored === null ? DECOY : digestOf(stored.hash)
  const equal = expected.length === presented.length && timingSafeEqual(expected, presented)
  return stored !== null && equal
    ? { tokenId: stored.id, name: stored.name, role: stored.role, tenant: stored.tenant }
    : null
}

export function tokenInfo({ hash: _hash, ...info }: StoredToken): TokenInfo {
  return info
}

export function isGlobal(principal: Pick<Principal, 'tenant'>): boolean {
  return principal.tenant === GLOBAL_SCOPE
}

const digestOf = (encoded: string): Buffer => Buffer.from(encoded.slice('sha256$'.length), 'base64url')
const DECOY = randomBytes(32)

import { StoredToken } from './token-store.ts'

/**
 * The `api_tokens` table as both SQL stores keep it: one row per token, the hash only (never the token text),
 * `created_at` as the ISO text of StoredToken (an exact round trip), `seq` the order of insertion (list ties).
 */
export interface TokenRow {
  id: string
  name: string
  role: string
  tenant: string
  hash: string
  created_at: string
}

export const TOKEN_COLUMNS = 'id, name, role, tenant, hash, created_at'

/** The row's values in TOKEN_COLUMNS order. */
export const tokenValues = (token: StoredToken): string[] => [
  token.id,
  token.name,
  token.role,
  token.tenant,
  token.hash,
  token.createdAt,
]

/** A row read back, checked as on the way in (a row edited by hand into something invalid fails loudly). */
export const tokenOfRow = (row: TokenRow): StoredToken =>
  StoredToken.parse({
    id: row.id,
    name: row.name,
    role: row.role,
    tenant: row.tenant,
    hash: row.hash,
    createdAt: row.created_at,
  })

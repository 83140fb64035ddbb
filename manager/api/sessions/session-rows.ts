import type { SessionRecord } from './session-records.ts'

/**
 * The `console_sessions` table as both SQL stores keep it: one row per session, hashes only (the session id's and
 * the CSRF token's SHA-256, base64url), the API token's id, times in epoch milliseconds; `seq` the order of
 * creation (the oldest is evicted first).
 */
export interface SessionRow {
  id_hash: string
  token_id: string
  csrf_hash: string
  created_at: number | string
  last_used_at: number | string
}

export const SESSION_COLUMNS = 'id_hash, token_id, csrf_hash, created_at, last_used_at'

/** The row's values in SESSION_COLUMNS order. */
export const sessionValues = (record: SessionRecord): [string, string, string, number, number] => [
  record.idHash,
  record.tokenId,
  record.csrfHash,
  record.createdAt,
  record.lastUsedAt,
]

/** A row read back (PostgreSQL returns bigint as text). */
export const recordOfRow = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  tokenId: row.token_id,
  csrfHash: row.csrf_hash,
  createdAt: Number(row.created_at),
  lastUsedAt: Number(row.last_used_at),
})

import type { MemberStatus, Rollout, RolloutMember, RolloutState } from './rollout.ts'
import type { MemberQuery, MemberUpdate } from './store.ts'

/**
 * The tables both SQL stores keep. `rollouts`: the id, tenant, state, version and creation time as columns (what
 * is queried), the rest as one JSON document. `rollout_members`: one row per targeted host, by (rollout, position).
 */
export interface RolloutRow {
  id: string
  tenant_id: string
  state: string
  version: number | string
  created_at: string
  doc: string
}

export interface MemberRow {
  position: number | string
  host_id: string
  canary: number | boolean
  status: string
  generation: number | string | null
  error_name: string | null
  started_at: string | null
  finished_at: string | null
}

export const ROLLOUT_COLUMNS = 'id, tenant_id, state, version, created_at, doc'
export const MEMBER_COLUMNS = 'position, host_id, canary, status, generation, error_name, started_at, finished_at'

type Doc = Omit<Rollout, 'id' | 'tenantId' | 'state' | 'version' | 'createdAt'>

export function docOf(rollout: Rollout): string {
  const { id: _id, tenantId: _tenant, state: _state, version: _version, createdAt: _created, ...doc } = rollout
  return JSON.stringify(doc satisfies Doc)
}

export const rolloutOfRow = (row: RolloutRow): Rollout => ({
  ...(JSON.parse(row.doc) as Doc),
  id: row.id,
  tenantId: row.tenant_id,
  state: row.state as RolloutState,
  version: Number(row.version),
  createdAt: row.created_at,
})

export const memberOfRow = (row: MemberRow): RolloutMember => ({
  position: Number(row.position),
  hostId: row.host_id,
  canary: row.canary === true || row.canary === 1,
  status: row.status as MemberStatus,
  generation: row.generation === null ? null : Number(row.generation),
  errorName: row.error_name,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
})

/** The update's values: status, generation, error_name, started_at, finished_at, then the position. */
export const memberUpdateValues = (update: MemberUpdate) =>
  [update.status, update.generation, update.errorName, update.startedAt, update.finishedAt, update.position] as const

/**
 * The WHERE of a member query after `rollout_id = <first>`, with placeholders made by `at(n)` (n from 2) and
 * booleans as the engine binds them (`flag`), and its values; the LIMIT is the caller's.
 */
export function memberWhere(
  query: MemberQuery,
  at: (n: number) => string,
  flag: (value: boolean) => unknown,
): { sql: string; values: unknown[] } {
  const values: unknown[] = []
  const next = (value: unknown): string => {
    values.push(value)
    return at(values.length + 1)
  }
  let sql = ''
  if (query.statuses !== undefined) {
    if (query.statuses.length === 0) return { sql: ' AND false', values }
    sql += ` AND status IN (${query.statuses.map((status) => next(status)).join(', ')})`
  }
  if (query.canary !== undefined) sql += ` AND canary = ${next(flag(query.canary))}`
  if (query.after !== undefined) sql += ` AND position > ${next(query.after)}`
  return { sql, values }
}

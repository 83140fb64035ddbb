import type pg from 'pg'
import type { Logger } from '../../lib/log.ts'
import { migratePostgres } from '../database/postgres-migrations.ts'
import { sqlOn, type Sql } from '../inventory/postgres/sql.ts'
import { inTransaction } from '../inventory/postgres/transaction.ts'
import {
  FINAL_STATES,
  type MemberStatus,
  type Rollout,
  type RolloutMember,
  type RolloutProgress,
  type RolloutState,
} from './rollout.ts'
import {
  docOf,
  MEMBER_COLUMNS,
  memberOfRow,
  memberUpdateValues,
  memberWhere,
  ROLLOUT_COLUMNS,
  rolloutOfRow,
  type MemberRow,
  type RolloutRow,
} from './rollout-rows.ts'
import {
  conflict,
  notFound,
  progressOf,
  stateCounts,
  RolloutStoreError,
  type MemberQuery,
  type MemberUpdate,
  type NewRollout,
  type PruneBatch,
  type RolloutPatch,
  type RolloutStore,
} from './store.ts'

/** Schema steps of the `rollouts` component (migratePostgres: version i + 1 is step i). Append; never edit. */
const STEPS: readonly string[] = [
  `CREATE TABLE rollouts (
     id text COLLATE "C" PRIMARY KEY,
     tenant_id text COLLATE "C" NOT NULL,
     state text NOT NULL,
     version bigint NOT NULL,
     created_at text COLLATE "C" NOT NULL,
     doc text NOT NULL
   );
   CREATE INDEX rollouts_by_tenant ON rollouts (tenant_id, created_at);
   CREATE INDEX rollouts_by_state ON rollouts (state);
   CREATE TABLE rollout_members (
     rollout_id text COLLATE "C" NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
     position integer NOT NULL,
     host_id text COLLATE "C" NOT NULL,
     canary boolean NOT NULL,
     status text NOT NULL,
     generation bigint,
     error_name text,
     started_at text,
     finished_at text,
     PRIMARY KEY (rollout_id, position)
   );
   CREATE INDEX rollout_members_by_status ON rollout_members (rollout_id, status, position);`,
  // 2: finishedAt as a column (the retention sweep's query), filled from the document of every rollout kept.
  `ALTER TABLE rollouts ADD COLUMN finished_at text COLLATE "C";
   UPDATE rollouts SET finished_at = doc::jsonb ->> 'finishedAt';
   CREATE INDEX rollouts_by_finished ON rollouts (finished_at) WHERE finished_at IS NOT NULL;`,
]

/** Final rollouts finished before $1, as the retention sweep selects them ($2: the final states). */
const PRUNABLE = 'r.finished_at < $1 AND r.state = ANY($2::text[])'

const at = (n: number): string => `$${n}`
const flag = (value: boolean): boolean => value
/** Members inserted per statement (PostgreSQL allows 65 535 parameters). */
const INSERT_CHUNK = 5000

/** Rollouts in the shared PostgreSQL database (every replica's; the pool is the caller's). */
export class PostgresRolloutStore implements RolloutStore {
  readonly #sql: Sql

  private constructor(private readonly pool: pg.Pool) {
    this.#sql = sqlOn(pool)
  }

  /** Brings the `rollouts` schema up to date (under migratePostgres's advisory lock), then the store. */
  static async open(pool: pg.Pool, log?: Logger): Promise<PostgresRolloutStore> {
    await migratePostgres(pool, 'rollouts', STEPS, log)
    return new PostgresRolloutStore(pool)
  }

  async create({ rollout, hostIds, canaryCount }: NewRollout): Promise<Rollout> {
    const stored: Rollout = { ...rollout, version: 1, updatedAt: rollout.createdAt, finishedAt: null }
    await inTransaction(this.pool, async (sql) => {
      const inserted = await sql.run(
        `INSERT INTO rollouts (${ROLLOUT_COLUMNS}) VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (id) DO NOTHING`,
        [stored.id, stored.tenantId, stored.state, stored.createdAt, docOf(stored)],
      )
      if (inserted === 0) throw new RolloutStoreError('ROLLOUT_ALREADY_EXISTS', `rollout ${stored.id} exists already`)
      for (let start = 0; start < hostIds.length; start += INSERT_CHUNK) {
        const chunk = hostIds.slice(start, start + INSERT_CHUNK)
        await sql.run(
          `INSERT INTO rollout_members (rollout_id, position, host_id, canary, status)
           SELECT $1, p, h, p < $4, 'pending' FROM unnest($2::int[], $3::text[]) AS m (p, h)`,
          [stored.id, chunk.map((_, index) => start + index), chunk, canaryCount],
        )
      }
    })
    return stored
  }

  async get(tenantId: string, id: string): Promise<Rollout> {
    const row = await this.#sql.row<RolloutRow>(
      `SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId],
    )
    if (row === undefined) throw notFound(tenantId, id)
    return rolloutOfRow(row)
  }

  async list(query: { tenantId?: string; states?: readonly RolloutState[] }): Promise<Rollout[]> {
    const found = await this.#sql.rows<RolloutRow>(
      `SELECT ${ROLLOUT_COLUMNS} FROM rollouts
       WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text[] IS NULL OR state = ANY($2))
       ORDER BY created_at DESC, id DESC`,
      [query.tenantId ?? null, query.states ?? null],
    )
    return found.map(rolloutOfRow)
  }

  async update(tenantId: string, id: string, patch: RolloutPatch, expected: number, now: string): Promise<Rollout> {
    return inTransaction(this.pool, async (sql) => {
      const row = await sql.row<RolloutRow>(
        `SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
        [id, tenantId],
      )
      if (row === undefined) throw notFound(tenantId, id)
      const current = rolloutOfRow(row)
      if (current.version !== expected) throw conflict(id, expected, current.version)
      const stored: Rollout = { ...current, ...patch, version: current.version + 1, updatedAt: now }
      await sql.run('UPDATE rollouts SET state = $2, version = $3, finished_at = $4, doc = $5 WHERE id = $1', [
        id,
        stored.state,
        stored.version,
        stored.finishedAt,
        docOf(stored),
      ])
      return stored
    })
  }

  async members(id: string, query: MemberQuery = {}): Promise<RolloutMember[]> {
    const where = memberWhere(query, at, flag)
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(query.limit))}`
    const found = await this.#sql.rows<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM rollout_members WHERE rollout_id = $1${where.sql} ORDER BY position${limit}`,
      [id, ...where.values],
    )
    return found.map(memberOfRow)
  }

  async updateMembers(id: string, updates: readonly MemberUpdate[]): Promise<void> {
    if (updates.length === 0) return
    const columns = updates.map(memberUpdateValues)
    await this.#sql.run(
      `UPDATE rollout_members AS m SET status = u.status, generation = u.generation, error_name = u.error_name,
         started_at = u.started_at, finished_at = u.finished_at
       FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[])
         AS u (status, generation, error_name, started_at, finished_at, position)
       WHERE m.rollout_id = $1 AND m.position = u.position`,
      [id, ...[0, 1, 2, 3, 4, 5].map((index) => columns.map((values) => values[index]))],
    )
  }

  async countByState(): Promise<Record<RolloutState, number>> {
    return stateCounts(
      await this.#sql.rows<{ state: string; count: string }>(
        'SELECT state, count(*) AS count FROM rollouts GROUP BY state',
      ),
    )
  }

  async pruneFinished(before: string, limit: number): Promise<PruneBatch> {
    const values = [before, FINAL_STATES, limit]
    return inTransaction(this.pool, async (sql) => {
      const members = await sql.run(
        `DELETE FROM rollout_members AS d USING (
           SELECT m.rollout_id, m.position FROM rollouts r JOIN rollout_members m ON m.rollout_id = r.id
           WHERE ${PRUNABLE} LIMIT $3) AS s
         WHERE d.rollout_id = s.rollout_id AND d.position = s.position`,
        values,
      )
      if (members >= limit) return { members, rollouts: 0 }
      const rollouts = await sql.run(
        `DELETE FROM rollouts WHERE id IN (
           SELECT r.id FROM rollouts r WHERE ${PRUNABLE}
             AND NOT EXISTS (SELECT 1 FROM rollout_members m WHERE m.rollout_id = r.id) LIMIT $3)`,
        values,
      )
      return { members, rollouts }
    })
  }

  async progress(id: string): Promise<RolloutProgress> {
    const found = await this.#sql.rows<{
      status: MemberStatus
      canary: number
      error_name: string | null
      count: number
    }>(
      `SELECT status, canary, error_name, count(*) AS count FROM rollout_members WHERE rollout_id = $1
       GROUP BY status, canary, error_name`,
      [id],
    )
    return progressOf(
      found.map((row) => ({
        status: row.status,
        canary: row.canary === 1,
        errorName: row.error_name,
        count: row.count,
      })),
    )
  }
}

import path from 'node:path'
import type Database from 'better-sqlite3'
import { attempt, openSqliteFile } from '../database/sqlite-file.ts'
import { FINAL_STATES, type Rollout, type RolloutMember, type RolloutProgress, type RolloutState } from './rollout.ts'
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
import type { MemberStatus } from './rollout.ts'

/** Schema steps: step i (0-based) is `PRAGMA user_version` i + 1. Never edit a released step; append one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE rollouts (
     id TEXT PRIMARY KEY,
     tenant_id TEXT NOT NULL,
     state TEXT NOT NULL,
     version INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     doc TEXT NOT NULL
   ) STRICT;
   CREATE INDEX rollouts_by_tenant ON rollouts (tenant_id, created_at);
   CREATE INDEX rollouts_by_state ON rollouts (state);
   CREATE TABLE rollout_members (
     rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
     position INTEGER NOT NULL,
     host_id TEXT NOT NULL,
     canary INTEGER NOT NULL,
     status TEXT NOT NULL,
     generation INTEGER,
     error_name TEXT,
     started_at TEXT,
     finished_at TEXT,
     PRIMARY KEY (rollout_id, position)
   ) STRICT;
   CREATE INDEX rollout_members_by_status ON rollout_members (rollout_id, status, position);`,
  // 2: finishedAt as a column (the retention sweep's query), filled from the document of every rollout kept.
  `ALTER TABLE rollouts ADD COLUMN finished_at TEXT;
   UPDATE rollouts SET finished_at = json_extract(doc, '$.finishedAt');
   CREATE INDEX rollouts_by_finished ON rollouts (finished_at) WHERE finished_at IS NOT NULL;`,
]

/** Final rollouts finished before @before, as the retention sweep selects them. */
const PRUNABLE = `r.finished_at < @before AND r.state IN (${FINAL_STATES.map((state) => `'${state}'`).join(', ')})`

export const ROLLOUT_DATABASE_FILE_NAME = 'rollouts.sqlite'

const at = (): string => '?'
const flag = (value: boolean): number => (value ? 1 : 0)

/**
 * Rollouts in a SQLite file of their own (<dataDir>/rollouts.sqlite, mode 0600 in a 0700 directory, WAL), as the
 * console's sessions are kept: a restarted manager continues its rollouts.
 */
export class SqliteRolloutStore implements RolloutStore {
  readonly #db: Database.Database

  private constructor(db: Database.Database) {
    this.#db = db
  }

  /** Creates the file when missing and brings its schema up to date; SqliteFileError when that fails. */
  static async open(file: string): Promise<SqliteRolloutStore> {
    return new SqliteRolloutStore(await openSqliteFile(path.resolve(file), MIGRATIONS, 'rollout database'))
  }

  create({ rollout, hostIds, canaryCount }: NewRollout): Promise<Rollout> {
    const stored: Rollout = { ...rollout, version: 1, updatedAt: rollout.createdAt, finishedAt: null }
    const insert = this.#db.prepare(`INSERT INTO rollouts (${ROLLOUT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
    const member = this.#db.prepare(
      `INSERT INTO rollout_members (rollout_id, ${MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, 'pending', NULL, NULL, NULL, NULL)`,
    )
    return attempt(() => {
      this.#db
        .transaction(() => {
          if (this.#db.prepare('SELECT 1 FROM rollouts WHERE id = ?').get(stored.id) !== undefined)
            throw new RolloutStoreError('ROLLOUT_ALREADY_EXISTS', `rollout ${stored.id} exists already`)
          insert.run(stored.id, stored.tenantId, stored.state, 1, stored.createdAt, docOf(stored))
          hostIds.forEach((hostId, position) => member.run(stored.id, position, hostId, flag(position < canaryCount)))
        })
        .immediate()
      return stored
    })
  }

  get(tenantId: string, id: string): Promise<Rollout> {
    return attempt(() => {
      const row = this.#db
        .prepare<[string, string], RolloutRow>(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = ? AND tenant_id = ?`)
        .get(id, tenantId)
      if (row === undefined) throw notFound(tenantId, id)
      return rolloutOfRow(row)
    })
  }

  list(query: { tenantId?: string; states?: readonly RolloutState[] }): Promise<Rollout[]> {
    const values: string[] = []
    let where = 'true'
    if (query.tenantId !== undefined) {
      where += ' AND tenant_id = ?'
      values.push(query.tenantId)
    }
    if (query.states !== undefined) {
      where += ` AND state IN (${query.states.map(() => '?').join(', ') || 'NULL'})`
      values.push(...query.states)
    }
    return attempt(() =>
      this.#db
        .prepare<string[], RolloutRow>(
          `SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE ${where} ORDER BY created_at DESC, id DESC`,
        )
        .all(...values)
        .map(rolloutOfRow),
    )
  }

  update(tenantId: string, id: string, patch: RolloutPatch, expectedVersion: number, now: string): Promise<Rollout> {
    return attempt(() =>
      this.#db
        .transaction(() => {
          const row = this.#db
            .prepare<[string, string], RolloutRow>(
              `SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = ? AND tenant_id = ?`,
            )
            .get(id, tenantId)
          if (row === undefined) throw notFound(tenantId, id)
          const found = rolloutOfRow(row)
          if (found.version !== expectedVersion) throw conflict(id, expectedVersion, found.version)
          const stored: Rollout = { ...found, ...patch, version: found.version + 1, updatedAt: now }
          this.#db
            .prepare('UPDATE rollouts SET state = ?, version = ?, finished_at = ?, doc = ? WHERE id = ?')
            .run(stored.state, stored.version, stored.finishedAt, docOf(stored), id)
          return stored
        })
        .immediate(),
    )
  }

  members(id: string, query: MemberQuery = {}): Promise<RolloutMember[]> {
    const where = memberWhere(query, at, flag)
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(query.limit))}`
    return attempt(() =>
      this.#db
        .prepare<unknown[], MemberRow>(
          `SELECT ${MEMBER_COLUMNS} FROM rollout_members WHERE rollout_id = ?${where.sql} ORDER BY position${limit}`,
        )
        .all(id, ...where.values)
        .map(memberOfRow),
    )
  }

  updateMembers(id: string, updates: readonly MemberUpdate[]): Promise<void> {
    const update = this.#db.prepare(
      `UPDATE rollout_members SET status = ?, generation = ?, error_name = ?, started_at = ?, finished_at = ?
       WHERE position = ? AND rollout_id = ?`,
    )
    return attempt(() => {
      this.#db
        .transaction(() => {
          for (const member of updates) update.run(...memberUpdateValues(member), id)
        })
        .immediate()
    })
  }

  countByState(): Promise<Record<RolloutState, number>> {
    return attempt(() =>
      stateCounts(
        this.#db
          .prepare<[], { state: string; count: number }>('SELECT state, count(*) AS count FROM rollouts GROUP BY state')
          .all(),
      ),
    )
  }

  progress(id: string): Promise<RolloutProgress> {
    return attempt(() =>
      progressOf(
        this.#db
          .prepare<[string], { status: MemberStatus; canary: number; error_name: string | null; count: number }>(
            `SELECT status, canary, error_name, count(*) AS count FROM rollout_members WHERE rollout_id = ?
             GROUP BY status, canary, error_name`,
          )
          .all(id)
          .map((row) => ({
            status: row.status,
            canary: row.canary === 1,
            errorName: row.error_name,
            count: row.count,
          })),
      ),
    )
  }

  pruneFinished(before: string, limit: number): Promise<PruneBatch> {
    const members = this.#db.prepare(
      `DELETE FROM rollout_members WHERE rowid IN (
         SELECT m.rowid FROM rollouts r JOIN rollout_members m ON m.rollout_id = r.id WHERE ${PRUNABLE} LIMIT @limit)`,
    )
    const rollouts = this.#db.prepare(
      `DELETE FROM rollouts WHERE id IN (
         SELECT r.id FROM rollouts r WHERE ${PRUNABLE}
           AND NOT EXISTS (SELECT 1 FROM rollout_members m WHERE m.rollout_id = r.id) LIMIT @limit)`,
    )
    return attempt(() =>
      this.#db
        .transaction(() => {
          const deleted = members.run({ before, limit }).changes
          return { members: deleted, rollouts: deleted < limit ? rollouts.run({ before, limit }).changes : 0 }
        })
        .immediate(),
    )
  }

  close(): Promise<void> {
    return attempt(() => void this.#db.close())
  }
}

import test, { type ExecutionContext } from 'ava'
import pg from 'pg'
import { PostgresSessionRecords } from '../../../../manager/api/sessions/postgres-session-records.ts'
import { SessionStore, sha256 } from '../../../../manager/api/sessions/session-store.ts'
import { openPostgresPool } from '../../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../../helpers/postgres-server.ts'
import { sessionStoreConformance } from '../../../conformance/session-store.ts'

const database = usePostgres(test)

/** Records on their own pool of the database at `url` (as a replica would), the pool ended in t.teardown. */
async function openRecords(t: ExecutionContext, url: string): Promise<PostgresSessionRecords> {
  const pool = await openPostgresPool({ url, poolSize: 3 })
  t.teardown(() => pool.end())
  return PostgresSessionRecords.open(pool)
}

sessionStoreConformance('postgres', async (t) => {
  const url = await database('sessions')
  return { records: await openRecords(t, url), another: () => openRecords(t, url) }
})

test('postgres: replicas opening at once migrate once; the table holds hashes and the token id only', async (t) => {
  const url = await database('sessions_migrate')
  const [first] = await Promise.all([openRecords(t, url), openRecords(t, url), openRecords(t, url)])
  const limits = { idleMs: 60_000, maxAgeMs: 60_000, maxSessions: 10, secureCookie: false }
  const session = await new SessionStore({ ...limits, records: first }).create('0123456789abcdef')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  const versions = await client.query("SELECT version FROM schema_migrations WHERE component = 'sessions'")
  t.deepEqual(versions.rows, [{ version: 1 }])
  const rows = await client.query('SELECT * FROM console_sessions')
  t.is(rows.rows.length, 1)
  const stored = JSON.stringify(rows.rows)
  t.false(stored.includes(session.id), 'no session id')
  t.false(stored.includes(session.csrfToken), 'no CSRF token')
  t.like(rows.rows[0], {
    id_hash: sha256(session.id),
    csrf_hash: sha256(session.csrfToken),
    token_id: '0123456789abcdef',
  })
})

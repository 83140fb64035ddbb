import test from 'ava'
import pg from 'pg'
import { migratePostgres, SchemaTooNewError } from '../../../manager/database/postgres-migrations.ts'
import { DatabaseError, describeUrl, openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { SecretValue } from '../../../lib/secret-value.ts'
import { createTestPki } from '../../helpers/certs.ts'
import { startPostgres, usePostgres } from '../../helpers/postgres-server.ts'

const freshDatabase = usePostgres(test)

const open = async (t: { teardown(fn: () => Promise<void>): void }, url?: string) => {
  const pool = await openPostgresPool({ url: url ?? (await freshDatabase('db')) })
  t.teardown(() => pool.end())
  return pool
}

const STEPS = ['CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL)', 'ALTER TABLE notes ADD COLUMN at int']

test('the pool answers, and a broken idle connection is replaced instead of crashing the process', async (t) => {
  const pool = await open(t)
  const victim = await pool.connect()
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
  const killer = await pool.connect()
  victim.release()
  const dropped = new Promise<Error>((resolve) => pool.once('error', resolve))
  await killer.query('SELECT pg_terminate_backend($1)', [pid])
  killer.release()
  t.regex((await dropped).message, /terminat/i)
  t.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }])
})

test('an unreachable server is a DatabaseError naming the server, never the password', async (t) => {
  const url = 'postgresql://amt@/nowhere?host=/nonexistent-socket-dir'
  const err = await t.throwsAsync(
    openPostgresPool({ url, password: new SecretValue('pg-secret-42'), connectTimeoutMs: 5000 }),
    { instanceOf: DatabaseError },
  )
  t.true(err?.message.startsWith('cannot reach PostgreSQL at postgresql://amt@/nowhere'), err?.message)
  t.false(err?.message.includes('pg-secret-42'))
  t.is(describeUrl('postgresql://amt:pw@db:5432/x'), 'postgresql://amt:***@db:5432/x')
})

test('migrations: applied in order once, per component, and a re-run changes nothing', async (t) => {
  const pool = await open(t)
  t.deepEqual(await migratePostgres(pool, 'notes', STEPS.slice(0, 1)), { from: 0, to: 1 })
  t.deepEqual(await migratePostgres(pool, 'notes', STEPS), { from: 1, to: 2 })
  t.deepEqual(await migratePostgres(pool, 'notes', STEPS), { from: 2, to: 2 })
  t.deepEqual(await migratePostgres(pool, 'other', ['CREATE TABLE other (id int)']), { from: 0, to: 1 })
  await pool.query('INSERT INTO notes (id, text, at) VALUES (1, $1, 2)', ['x'])
  const versions = await pool.query('SELECT component, version FROM schema_migrations ORDER BY component')
  t.deepEqual(versions.rows, [
    { component: 'notes', version: 2 },
    { component: 'other', version: 1 },
  ])
})

test('migrations: processes starting together run each step once (advisory lock)', async (t) => {
  const url = await freshDatabase('race')
  const pools = [await open(t, url), await open(t, url), await open(t, url)]
  const results = await Promise.all(pools.map((pool) => migratePostgres(pool, 'notes', STEPS)))
  t.deepEqual(results.map((result) => result.from).sort(), [0, 2, 2])
  t.true(results.every((result) => result.to === 2))
})

test('migrations: a newer schema is refused untouched; a failing step rolls back and names its version', async (t) => {
  const pool = await open(t)
  await migratePostgres(pool, 'notes', STEPS)
  const tooNew = await t.throwsAsync(migratePostgres(pool, 'notes', STEPS.slice(0, 1)), {
    instanceOf: SchemaTooNewError,
  })
  t.regex(tooNew?.message ?? '', /notes schema version 2 is newer than this release supports \(1\)/)
  const broken = [...STEPS, 'CREATE TABLE extra (id int); SELECT no_such_function()']
  const err = await t.throwsAsync(migratePostgres(pool, 'notes', broken), { instanceOf: DatabaseError })
  t.regex(err?.message ?? '', /notes schema migration to version 3 failed: .*no_such_function/)
  const extra = await pool.query<{ name: string | null }>("SELECT to_regclass('extra')::text AS name")
  t.is(extra.rows[0]?.name, null, 'the failed step left nothing behind')
  t.deepEqual(await migratePostgres(pool, 'notes', STEPS), { from: 2, to: 2 })
})

test('a pool can be used by plain pg clients too (the URL is libpq syntax)', async (t) => {
  const url = await freshDatabase('plain')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  t.deepEqual((await client.query('SELECT 2 AS two')).rows, [{ two: 2 }])
})

test('TLS: a CA next to sslmode=verify-full in the URL verifies the server; another CA is refused', async (t) => {
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const [ca, other] = [await pki.createCa('pg-ca'), await pki.createCa('other-ca')]
  const server = await startPostgres({ tls: await ca.issueServer() })
  t.teardown(() => server.stop())
  const url = `${server.tcpUrl(await server.createDatabase('tls'))}?sslmode=verify-full&application_name=tls-test`
  const pool = await openPostgresPool({ url, ca: ca.cert.toString() })
  t.teardown(() => pool.end())
  const row = await pool.query<{ ssl: boolean; app: string }>(
    'SELECT ssl, current_setting($1) AS app FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    ['application_name'],
  )
  t.deepEqual(row.rows, [{ ssl: true, app: 'tls-test' }], 'TLS in use, the URL parameters not ssl* kept')
  const err = await t.throwsAsync(openPostgresPool({ url, ca: other.cert.toString() }), { instanceOf: DatabaseError })
  t.regex(err?.message ?? '', /certificate/i)
})

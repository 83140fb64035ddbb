import { inspect } from 'node:util'
import test from 'ava'
import { configSummary, parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { ENV_DATABASE_PASSWORD } from '../../../manager/config/database.ts'
import { DEFAULT_WAL_AUTOCHECKPOINT_PAGES } from '../../../manager/inventory/sqlite/open.ts'

const files: Record<string, string> = { '/etc/amt/pg-password': 'pg-Secret-7\n', '/etc/amt/pg-ca.pem': 'PEM' }
const readFile = (file: string): string => {
  const content = files[file]
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
  return content
}
const parse = (database: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseManagerConfig(database === undefined ? {} : { database }, { env, baseDir: '/etc/amt', readFile })
const ok = (result: ReturnType<typeof parse>): ManagerConfig => {
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}
const problems = (database: unknown): string[] => {
  const result = parse(database)
  return result.ok ? [] : result.problems
}
const URL_OK = 'postgresql://amt@db.example:5432/amt?sslmode=verify-full'

test('database: sqlite by default; postgres with its defaults, the password from a file or the environment', (t) => {
  const sqliteDefault = { engine: 'sqlite', sqlite: { walAutocheckpointPages: DEFAULT_WAL_AUTOCHECKPOINT_PAGES } }
  t.deepEqual(ok(parse(undefined)).database, sqliteDefault)
  t.deepEqual(ok(parse({ engine: 'sqlite' })).database, sqliteDefault)
  const fromFile = ok(
    parse({ engine: 'postgres', postgres: { url: URL_OK, passwordFile: 'pg-password', caFile: 'pg-ca.pem' } }),
  )
  if (fromFile.database.engine !== 'postgres') return t.fail()
  t.like(fromFile.database.postgres, { url: URL_OK, poolSize: 10, connectTimeoutMs: 10_000, ca: 'PEM' })
  t.is(fromFile.database.postgres.password?.reveal(), 'pg-Secret-7')
  const fromEnv = ok(parse({ engine: 'postgres', postgres: { url: URL_OK } }, { [ENV_DATABASE_PASSWORD]: 'env-pw' }))
  if (fromEnv.database.engine !== 'postgres') return t.fail()
  t.is(fromEnv.database.postgres.password?.reveal(), 'env-pw')
  const summary = inspect(configSummary(fromFile), { depth: 5 })
  t.false(summary.includes('pg-Secret-7'))
  t.regex(summary, /engine: 'postgres'/)
  t.false(inspect(fromFile, { depth: 8 }).includes('pg-Secret-7'), 'the password prints [redacted]')
})

test("database.sqlite.walAutocheckpointPages: 1000 by default (SQLite's); 100 to 1 000 000", (t) => {
  t.is(DEFAULT_WAL_AUTOCHECKPOINT_PAGES, 1000)
  const set = ok(parse({ engine: 'sqlite', sqlite: { walAutocheckpointPages: 2000 } }))
  t.deepEqual(set.database, { engine: 'sqlite', sqlite: { walAutocheckpointPages: 2000 } })
  t.regex(inspect(configSummary(set), { depth: 5 }), /walAutocheckpointPages: 2000/)
  for (const pages of [99, 1_000_001, 1.5, '2000'])
    t.regex(
      problems({ engine: 'sqlite', sqlite: { walAutocheckpointPages: pages } }).join('\n'),
      /^database\.sqlite\.walAutocheckpointPages: /,
      String(pages),
    )
  t.regex(problems({ engine: 'sqlite', sqlite: { pages: 1 } }).join('\n'), /database\.sqlite/)
})

test('database: clear problems for a password in the URL, a bad scheme, unreadable files and unknown keys', (t) => {
  t.deepEqual(problems({ engine: 'postgres', postgres: { url: 'postgresql://amt:pw@db/amt' } }), [
    `database.postgres.url: must not carry a password: use passwordFile or ${ENV_DATABASE_PASSWORD}`,
  ])
  t.regex(problems({ engine: 'postgres', postgres: { url: 'mysql://db/amt' } }).join('\n'), /postgresql:\/\/ URL/)
  t.deepEqual(problems({ engine: 'postgres', postgres: { url: URL_OK, passwordFile: 'nope', caFile: 'none.pem' } }), [
    'database.postgres.passwordFile: cannot read /etc/amt/nope (ENOENT)',
    'database.postgres.caFile: cannot read /etc/amt/none.pem',
  ])
  t.regex(problems({ engine: 'postgres' }).join('\n'), /database\.postgres/)
  t.regex(problems({ engine: 'mysql' }).join('\n'), /database\.engine/)
  t.regex(problems({ engine: 'sqlite', postgres: { url: URL_OK } }).join('\n'), /postgres/)
})

test('database.postgres.lease: ttl 10 s and renewal every 3 s by default; renewMs over ttlMs / 3 is refused', (t) => {
  const defaults = ok(parse({ engine: 'postgres', postgres: { url: URL_OK } }))
  if (defaults.database.engine !== 'postgres') return t.fail()
  t.deepEqual(defaults.database.postgres.lease, { ttlMs: 10_000, renewMs: 3_000 })
  const short = ok(parse({ engine: 'postgres', postgres: { url: URL_OK, lease: { ttlMs: 3000, renewMs: 1000 } } }))
  if (short.database.engine !== 'postgres') return t.fail()
  t.deepEqual(short.database.postgres.lease, { ttlMs: 3000, renewMs: 1000 })
  t.deepEqual(problems({ engine: 'postgres', postgres: { url: URL_OK, lease: { ttlMs: 6000, renewMs: 2500 } } }), [
    'database.postgres.lease.renewMs: renewMs must be at most ttlMs / 3',
  ])
})

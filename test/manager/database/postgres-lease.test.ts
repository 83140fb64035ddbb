import { performance } from 'node:perf_hooks'
import test, { type ExecutionContext } from 'ava'
import pg from 'pg'
import { silentLogger } from '../../../lib/log.ts'
import { lossMarginMs, openPostgresLease, type PostgresLease } from '../../../manager/database/postgres-lease.ts'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'

const freshDatabase = usePostgres(test)

/**
 * Leases long enough that a loaded 2-core machine (timers and statements seconds late) cannot turn a correct order
 * into a wrong one: stop() must hand over long before the 20 s expiry; the death test's margin is 3 s (ttl/5).
 * Handover times are logged, never asserted (docs/benchmarks.md has no timing from tests).
 */
const TTL_MS = 20_000
const DEATH_TTL_MS = 15_000
/** The database-down test only waits for the loss and the recovery. */
const SHORT_TTL_MS = 3000
const RENEW_MS = 1000
const WAIT_MS = 60_000

const pools = new WeakMap<PostgresLease, pg.Pool>()

/** One replica: its own pool (as its own process would have) and its lease, stopped then ended in teardown. */
async function contender(t: ExecutionContext, url: string, holder: string, ttlMs = TTL_MS): Promise<PostgresLease> {
  const pool = await openPostgresPool({ url })
  const lease = await openPostgresLease({ pool, name: 'cluster-work', holder, ttlMs, renewMs: RENEW_MS })
  pools.set(lease, pool)
  t.teardown(async () => {
    await lease.stop()
    await pool.end().catch(() => undefined)
  })
  return lease
}

/**
 * Resolves with performance.now() when `held` of one of `leases` becomes `held` (at once when one already is); every
 * listener and the timer are released then, so nothing outlives the wait.
 */
function when(watched: readonly PostgresLease[], held: boolean, what: string): Promise<number> {
  if (watched.some((lease) => lease.held === held)) return Promise.resolve(performance.now())
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = []
    const done = () => {
      clearTimeout(timer)
      for (const off of offs) off()
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`))
    }, WAIT_MS)
    for (const lease of watched)
      offs.push(
        lease.onChange((now) => {
          if (now !== held) return
          done()
          resolve(performance.now())
        }),
      )
  })
}

interface Row {
  holder: string
  expires_at: Date
  acquired_at: Date
  valid: boolean
}

const readRow = async (pool: pg.Pool): Promise<Row | undefined> =>
  (
    await pool.query<Row>(
      "SELECT holder, expires_at, acquired_at, expires_at > now() AS valid FROM leases WHERE name = 'cluster-work'",
    )
  ).rows[0]

test('of three contenders one holds; its stop() hands the lease over without waiting for the expiry', async (t) => {
  const url = await freshDatabase('lease')
  const leases = [
    await contender(t, url, 'replica-a'),
    await contender(t, url, 'replica-b'),
    await contender(t, url, 'replica-c'),
  ]
  const holders = leases.filter((lease) => lease.held)
  t.is(holders.length, 1, 'exactly one holds')
  t.true(leases[0]?.held, 'the first to try took it')
  const observer = await openPostgresPool({ url })
  t.teardown(() => observer.end())
  const before = await readRow(observer)
  t.like(before, { holder: 'replica-a', valid: true })
  const [, b, c] = leases as [PostgresLease, PostgresLease, PostgresLease]
  const next = when([b, c], true, 'b or c to gain')
  await leases[0]?.stop()
  t.false(leases[0]?.held)
  await next
  t.true(b.held !== c.held, 'one of the other two holds, not both')
  const after = await readRow(observer)
  t.is(after?.holder, b.held ? 'replica-b' : 'replica-c')
  t.true((after?.acquired_at.getTime() ?? Infinity) < (before?.expires_at.getTime() ?? 0), 'before the old expiry')
})

test('a holder that cannot renew knows it lost before another takes over', async (t) => {
  const url = await freshDatabase('lease')
  const a = await contender(t, url, 'replica-a', DEATH_TTL_MS)
  const b = await contender(t, url, 'replica-b', DEATH_TTL_MS)
  t.true(a.held)
  t.false(b.held)
  const observer = await openPostgresPool({ url })
  t.teardown(() => observer.end())
  // At the moment A gives up, the database must still count it the holder (no overlap, by the database's clock).
  const atLoss = new Promise<Row | undefined>((resolve, reject) => {
    a.onChange((held) => {
      if (!held) readRow(observer).then(resolve, reject)
    })
  })
  const lost = when([a], false, 'a to notice its loss')
  const gained = when([b], true, 'b to take over')
  const cutAt = performance.now()
  await pools.get(a)?.end() // A is alive but cut from the database: every renewal fails from now on
  const [lostAt, gainedAt] = await Promise.all([lost, gained])
  t.true(lostAt < gainedAt, 'A stopped its work before B started')
  const seen = await atLoss
  t.like(seen, { holder: 'replica-a', valid: true }, 'A gave up while its row was still valid')
  const row = await readRow(observer)
  t.is(row?.holder, 'replica-b')
  const expiredA = seen?.expires_at.getTime() ?? Infinity
  const takenB = row?.acquired_at.getTime() ?? 0
  t.true(takenB >= expiredA, 'B took it only after A expired (database clock)')
  t.log(`B took it ${takenB - expiredA} ms after A's expiry; handover ${Math.round(gainedAt - cutAt)} ms after the cut`)
  t.is(lossMarginMs(DEATH_TTL_MS), 3000)
})

test('database down: held turns false without a crash; the lease is taken again when it returns', async (t) => {
  const url = await freshDatabase('lease')
  const database = /@\/([^?]+)\?/.exec(url)?.[1] ?? ''
  const admin = new pg.Client({ connectionString: url.replace(`/${database}?`, '/postgres?') })
  await admin.connect()
  t.teardown(() => admin.end())
  const pool = await openPostgresPool({ url, connectTimeoutMs: 2000, log: silentLogger() })
  const lease = await openPostgresLease({
    pool,
    name: 'cluster-work',
    holder: 'replica-a',
    ttlMs: SHORT_TTL_MS,
    renewMs: RENEW_MS,
    log: silentLogger(),
  })
  t.teardown(async () => {
    await lease.stop()
    await pool.end()
  })
  t.true(lease.held)
  const lost = when([lease], false, 'the loss while the database is down')
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`)
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database])
  await lost
  t.false(lease.held)
  const back = when([lease], true, 'the lease again once the database is back')
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`)
  await back
  t.true(lease.held)
})

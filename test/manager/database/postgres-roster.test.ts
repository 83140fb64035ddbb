import test from 'ava'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { openReplicaRoster } from '../../../manager/database/postgres-roster.ts'
import { silentLogger } from '../../../lib/log.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'

const freshDatabase = usePostgres(test)
const TIMINGS = { ttlMs: 3000, renewMs: 500 }
const WAIT_MS = 60_000

/** A replica's presence on its own pool; `departed` collects what it was told. */
async function replica(t: { teardown(fn: () => Promise<void>): void }, url: string, instance: string) {
  const pool = await openPostgresPool({ url, log: silentLogger() })
  const departed: string[] = []
  let notify: (() => void) | undefined
  const roster = await openReplicaRoster({
    pool,
    instance,
    ...TIMINGS,
    log: silentLogger(),
    onDeparted: (instances) => {
      departed.push(...instances)
      notify?.()
    },
  })
  t.teardown(async () => {
    await roster.stop()
    await pool.end().catch(() => undefined)
  })
  const told = (count: number) =>
    new Promise<void>((resolve, reject) => {
      if (departed.length >= count) return resolve()
      const timer = setTimeout(() => reject(new Error(`${instance} was not told within ${WAIT_MS} ms`)), WAIT_MS)
      notify = () => {
        if (departed.length < count) return
        clearTimeout(timer)
        resolve()
      }
    })
  return { pool, roster, departed, told }
}

test('a replica that dies without leaving is reported once, to one survivor; a clean stop is no departure', async (t) => {
  const url = await freshDatabase('roster')
  const [a, b, c] = [await replica(t, url, 'a'), await replica(t, url, 'b'), await replica(t, url, 'c')]
  await c.roster.stop() // a clean stop: its row is gone at once
  await a.pool.end() // a dies: its row stays until it expires
  await Promise.race([b.told(1), c.told(1)])
  t.deepEqual(b.departed, ['a'], 'the survivor catches up for a')
  t.deepEqual(c.departed, [], 'a stopped replica no longer takes part')
  const observer = await openPostgresPool({ url })
  t.teardown(() => observer.end())
  const rows = await observer.query<{ name: string }>("SELECT name FROM leases WHERE name LIKE 'replica:%'")
  t.deepEqual(
    rows.rows.map((row) => row.name),
    ['replica:b'],
  )
})

test('two survivors: each departure goes to exactly one of them', async (t) => {
  const url = await freshDatabase('roster')
  const [a, b, c] = [await replica(t, url, 'a'), await replica(t, url, 'b'), await replica(t, url, 'c')]
  await a.pool.end()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no survivor was told')), WAIT_MS)
    const check = setInterval(() => {
      if (b.departed.length + c.departed.length === 0) return
      clearInterval(check)
      clearTimeout(timer)
      resolve()
    }, 50)
  })
  t.deepEqual([...b.departed, ...c.departed], ['a'])
  // Its row is gone with the DELETE that reported it: no later round can report it again.
  const observer = await openPostgresPool({ url })
  t.teardown(() => observer.end())
  const rows = await observer.query("SELECT name FROM leases WHERE name = 'replica:a'")
  t.is(rows.rowCount, 0)
})

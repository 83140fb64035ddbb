import test, { type ExecutionContext } from 'ava'
import pg from 'pg'
import { MAX_PAYLOAD_BYTES } from '../../../manager/database/notify-envelope.ts'
import { PostgresBroadcast, type BroadcastGap } from '../../../manager/database/postgres-broadcast.ts'
import { openPostgresPool, postgresConnection } from '../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'

const freshDatabase = usePostgres(test)
const WAIT_MS = 60_000
const CHANNEL = 'test_broadcast'

/** One replica's broadcast: what it received (envelopes, in order) and the gaps it was told of. */
async function member(t: ExecutionContext, url: string, instance: string, batch = true) {
  const pool = await openPostgresPool({ url, applicationName: `pool-${instance}` })
  const broadcast = new PostgresBroadcast({
    pool,
    connection: postgresConnection({ url }),
    channel: CHANNEL,
    instance,
    batch,
  })
  const envelopes: unknown[][] = []
  const gaps: BroadcastGap[] = []
  const checks = new Set<() => void>()
  let listening: () => void = () => undefined
  const listened = new Promise<void>((resolve) => (listening = resolve))
  broadcast.listen({
    onMessages: (messages) => {
      envelopes.push([...messages])
      for (const check of [...checks]) check()
    },
    onGap: (reason) => {
      gaps.push(reason)
      for (const check of [...checks]) check()
    },
    onListening: (now) => void (now && listening()),
  })
  t.teardown(async () => {
    await broadcast.stop()
    await pool.end()
  })
  await listened
  const until = (check: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        if (!check()) return
        checks.delete(done)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => reject(new Error(`${instance}: ${what} not within ${WAIT_MS} ms`)), WAIT_MS)
      checks.add(done)
      done()
    })
  return { pool, broadcast, envelopes, gaps, until, messages: () => envelopes.flat() }
}

test('messages reach the other members in order, several per NOTIFY; a member skips its own', async (t) => {
  const url = await freshDatabase('broadcast')
  const [a, b] = [await member(t, url, 'a'), await member(t, url, 'b')]
  const big = 'x'.repeat(3000)
  for (let n = 0; n < 10; n++) a.broadcast.publish({ n, big }, () => ({ n }))
  a.broadcast.publish({ n: 10 }, () => ({ n: 10 }))
  await b.until(() => b.messages().length === 11, 'eleven messages')
  t.deepEqual(
    b.messages().map((message) => (message as { n: number }).n),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  )
  t.is(b.envelopes.length, 5, 'two 3 KB messages per envelope under the 8000-byte limit, the small one with the last')
  b.broadcast.publish({ from: 'b' }, () => null)
  await a.until(() => a.messages().length === 1, "b's message on a")
  await b.broadcast.idle()
  a.broadcast.publish({ marker: true }, () => null)
  await b.until(() => b.messages().length === 12, 'the marker')
  t.false(
    b.messages().some((message) => (message as { from?: string }).from === 'b'),
    'b never hears itself',
  )
  t.deepEqual(b.gaps, [])
})

test('a message larger than an envelope goes as its fallback; a skipped envelope number is a gap', async (t) => {
  const url = await freshDatabase('broadcast')
  const [a, b] = [await member(t, url, 'a'), await member(t, url, 'b')]
  a.broadcast.publish({ big: 'y'.repeat(MAX_PAYLOAD_BYTES) }, () => ({ read: 'h1' }))
  await b.until(() => b.messages().length === 1, 'the fallback')
  t.deepEqual(b.messages(), [{ read: 'h1' }])

  // A sender whose envelope 2 was lost (its NOTIFY failed): its envelope 3 tells the receivers.
  const notify = (n: number) =>
    a.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ v: 1, from: 'c', n, m: [n] })])
  await notify(1)
  await notify(3)
  await b.until(() => b.gaps.length === 1 && b.messages().length === 3, 'the gap')
  t.deepEqual(b.gaps, ['skipped'])
  t.deepEqual(b.messages().slice(1), [1, 3], 'the messages after a gap are still delivered')
  await a.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, '{"v":2,"from":"d","n":1,"m":[]}'])
  await notify(4)
  await b.until(() => b.messages().length === 4, 'the next one')
  t.deepEqual(b.gaps, ['skipped'], 'an envelope of another version is ignored')
})

test('a NOTIFY that failed (the database refused connections) is a gap at the sender’s next one', async (t) => {
  const url = await freshDatabase('broadcast')
  const [a, b] = [await member(t, url, 'a'), await member(t, url, 'b')]
  a.broadcast.publish({ n: 1 }, () => null)
  await b.until(() => b.messages().length === 1, 'the first')
  // The admin session is on another database: it stays when this one refuses connections.
  const admin = new pg.Client({ connectionString: url.replace(/@\/[^?]+/, '@/postgres') })
  await admin.connect()
  t.teardown(() => admin.end())
  const name = (await a.pool.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`)
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
    [name, 'pool-a'],
  )
  a.broadcast.publish({ n: 2 }, () => null) // its pool cannot connect: logged, lost
  await a.broadcast.idle()
  await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`)
  a.broadcast.publish({ n: 3 }, () => null)
  await b.until(() => b.messages().length === 2, 'the third')
  t.deepEqual(b.messages(), [{ n: 1 }, { n: 3 }])
  t.deepEqual(b.gaps, ['skipped'], 'b knows it missed something')
})

test('2000 host-sized messages: batched NOTIFY against one NOTIFY per message, measured (printed)', async (t) => {
  const host = { tenantId: 'acme', status: 'z'.repeat(1000), capability: 'c'.repeat(300) }
  for (const batch of [true, false]) {
    const url = await freshDatabase('broadcast') // the other run's members do not listen to this one
    const a = await member(t, url, batch ? 'batched' : 'single', batch)
    const b = await member(t, url, batch ? 'batched-receiver' : 'single-receiver')
    const started = performance.now()
    for (let n = 0; n < 2000; n++) a.broadcast.publish({ ...host, hostId: `h${n}` }, () => null)
    await a.broadcast.idle()
    const sent = performance.now() - started
    await b.until(() => b.messages().length >= 2000, 'all 2000')
    const received = performance.now() - started
    t.log(
      `${batch ? 'batched' : 'one per message'}: 2000 messages of ~1.4 KB in ${b.envelopes.length} NOTIFYs,` +
        ` sent in ${Math.round(sent)} ms, all received after ${Math.round(received)} ms`,
    )
    t.is(b.messages().length, 2000)
  }
})

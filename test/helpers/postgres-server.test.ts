import { existsSync } from 'node:fs'
import test from 'ava'
import pg from 'pg'
import { startPostgres } from './postgres-server.ts'

test('a private PostgreSQL server: one database per call, isolated; stop removes its directory', async (t) => {
  const server = await startPostgres()
  t.teardown(() => server.stop())
  const [first, second] = [await server.createDatabase('one'), await server.createDatabase('one')]
  t.not(first, second)
  const a = new pg.Client({ connectionString: first })
  const b = new pg.Client({ connectionString: second })
  await a.connect()
  await b.connect()
  t.teardown(async () => {
    await a.end()
    await b.end()
  })
  await a.query('CREATE TABLE marks (id int)')
  await a.query('INSERT INTO marks VALUES (1)')
  t.deepEqual((await a.query('SELECT id FROM marks')).rows, [{ id: 1 }])
  const err = await t.throwsAsync(b.query('SELECT id FROM marks'))
  t.regex(err?.message ?? '', /does not exist/)
  t.regex((await a.query<{ version: string }>('SELECT version()')).rows[0]?.version ?? '', /^PostgreSQL \d+/)
  await a.end()
  await b.end()
  await server.stop()
  t.false(existsSync(server.socketDir))
})

test('fsync and synchronous commit: off by default (tests), on with durable (benchmarks)', async (t) => {
  const settings = async (durable: boolean) => {
    const server = await startPostgres({ durable })
    t.teardown(() => server.stop())
    const client = new pg.Client({ connectionString: await server.createDatabase('settings') })
    await client.connect()
    t.teardown(() => client.end())
    const show = async (name: string) => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name]
    return {
      fsync: await show('fsync'),
      synchronous_commit: await show('synchronous_commit'),
      full_page_writes: await show('full_page_writes'),
    }
  }
  t.deepEqual(await settings(false), { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' })
  t.deepEqual(await settings(true), { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' })
})

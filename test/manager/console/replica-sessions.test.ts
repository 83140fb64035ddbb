import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { PostgresSessionRecords } from '../../../manager/api/sessions/postgres-session-records.ts'
import type { SessionRecords } from '../../../manager/api/sessions/session-records.ts'
import { createSessionStore } from '../../../manager/api/sessions/session-store.ts'
import { SqliteSessionRecords } from '../../../manager/api/sessions/sqlite-session-records.ts'
import { SESSION_DATABASE_FILE_NAME, WAVE_DATABASE_FILE_NAME } from '../../../manager/config/config.ts'
import { ConsoleSection } from '../../../manager/config/console.ts'
import { openPostgresWaveHistory } from '../../../manager/console/data/postgres-wave-history.ts'
import { openSqliteWaveHistory } from '../../../manager/console/data/sqlite-wave-history.ts'
import type { WaveHistory } from '../../../manager/console/data/wave-history.ts'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { seed, startApi, type ApiHarness } from '../api/api-harness.ts'
import { postSignIn } from './session-support.ts'

const database = usePostgres(test)

/** One replica's connections to the console's shared stores. */
type ConsoleStores = { records: SessionRecords; waves: WaveHistory }

/** Another replica's connections to the SQLite files in `dir`, closed in t.teardown. */
async function sqliteStores(t: ExecutionContext, dir: string): Promise<ConsoleStores> {
  const records = await SqliteSessionRecords.open(path.join(dir, SESSION_DATABASE_FILE_NAME))
  t.teardown(() => records.close())
  const waves = await openSqliteWaveHistory(path.join(dir, WAVE_DATABASE_FILE_NAME))
  t.teardown(waves.close)
  return { records, waves: waves.history }
}

/** Another replica's pool of the PostgreSQL database at `url`, ended in t.teardown. */
async function postgresStores(t: ExecutionContext, url: string): Promise<ConsoleStores> {
  const pool = await openPostgresPool({ url, poolSize: 3 })
  t.teardown(() => pool.end())
  return { records: await PostgresSessionRecords.open(pool), waves: await openPostgresWaveHistory(pool) }
}

/**
 * Two API servers with the console, each with its own core and its own connections to one Inventory and token
 * database (SQLite files in one directory) and to the console's stores on `engine`: two replicas behind one address.
 */
async function twoReplicas(t: ExecutionContext, engine: 'sqlite' | 'postgres') {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-replica-console-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const url = engine === 'postgres' ? await database('console') : ''
  const replica = async () => {
    const stores = engine === 'sqlite' ? await sqliteStores(t, dir) : await postgresStores(t, url)
    const sessions = createSessionStore(ConsoleSection.parse({}), stores.records)
    return { api: await startApi(t, { console: true, dir, sessions, waves: stores.waves }), waves: stores.waves }
  }
  const a = await replica()
  const b = await replica()
  await seed(a.api.inventory, { acme: ['h1'] })
  return { a, b }
}

/** The CSRF token a console page of `api` renders for the cookie's session. */
async function pageCsrf(t: ExecutionContext, api: ApiHarness, cookie: string): Promise<string> {
  const page = await api.request('GET', '/console/tenants/acme', { headers: { cookie } })
  t.is(page.status, 200, `the overview through ${api.url}`)
  t.regex(page.text, / · operator · tenant acme/)
  return /<meta name="csrf-token" content="([A-Za-z0-9_-]{43})"/.exec(page.text)?.[1] ?? ''
}

for (const engine of ['sqlite', 'postgres'] as const)
  test(`${engine}: a session opened through replica A works through replica B; signing out on B ends it on A`, async (t) => {
    const { a, b } = await twoReplicas(t, engine)
    const token = await a.api.token('operator', 'acme', 'otto')
    const signedIn = await postSignIn(a.api, token)
    t.is(signedIn.status, 303)
    const { cookie } = signedIn

    const csrf = await pageCsrf(t, b.api, cookie)
    t.not(csrf, '')
    t.is(await pageCsrf(t, a.api, cookie), csrf, 'both replicas render the session its one CSRF token')

    const path = '/api/v1/tenants/acme/hosts/h1/amt'
    const body = { desiredAmtState: 'PROVISIONED' }
    const refused = await b.api.request('PATCH', path, { body, headers: { cookie } })
    t.deepEqual([refused.status, refused.json.code], [403, 'CSRF_REJECTED'])
    const done = await b.api.request('PATCH', path, { body, headers: { cookie, 'x-csrf-token': csrf } })
    t.is(done.status, 200, done.text)
    t.is((await a.api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })).desiredGeneration, 1)
    const events = await a.api.request('GET', '/api/v1/tenants/acme/hosts/h1/events?limit=1', { headers: { cookie } })
    t.like((events.json.events as unknown[])[0], { kind: 'desired.set', actor: 'api:otto' })

    // B counts the wave for its page; A's own connection to the history reads B's sample.
    const counts = await b.api.request('GET', '/console/tenants/acme/counts', { headers: { cookie } })
    t.is(counts.status, 200)
    const samples = await a.waves.samples('acme', Date.now())
    t.like(samples.at(-1), { targeted: 1, done: 0, failed: 0 })

    const signOut = await fetch(`${b.api.url}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    })
    t.deepEqual([signOut.status, signOut.headers.get('location')], [303, '/console/sign-in'])
    const page = await fetch(`${a.api.url}/console/tenants/acme`, { redirect: 'manual', headers: { cookie } })
    t.deepEqual([page.status, page.headers.get('location')], [303, '/console/sign-in'], 'A sends it to sign in')
    const apiCall = await a.api.request('GET', '/api/v1/tenants/acme/hosts', { headers: { cookie } })
    t.deepEqual([apiCall.status, apiCall.json.code], [401, 'UNAUTHENTICATED'])
    t.is(await a.api.sessions.count(), 0)
  })

import test, { type ExecutionContext } from 'ava'
import type { SessionRecords } from '../../manager/api/sessions/session-records.ts'
import { SessionStore, sha256 } from '../../manager/api/sessions/session-store.ts'

/**
 * Fresh, empty records, and a way to open other records on the same database (another replica); records without
 * a database of their own return themselves. The factory releases everything in t.teardown.
 */
export type SessionRecordsFactory = (
  t: ExecutionContext,
) => Promise<{ records: SessionRecords; another: () => Promise<SessionRecords> }>

const MINUTE = 60_000
const LIMITS = { idleMs: 30 * MINUTE, maxAgeMs: 12 * 60 * MINUTE, maxSessions: 100, secureCookie: false }

/** Session stores over one clock the test moves: `store` on the records, `replica(records)` for another. */
function clocked(records: SessionRecords, limits: Partial<typeof LIMITS> = {}) {
  const clock = { now: 1_700_000_000_000 }
  const storeOn = (on: SessionRecords) => new SessionStore({ ...LIMITS, ...limits, records: on, now: () => clock.now })
  return { clock, store: storeOn(records), storeOn }
}

/** The SessionStore rules over a SessionRecords adapter (manager/api/sessions/), run against every adapter. */
export function sessionStoreConformance(label: string, create: SessionRecordsFactory): void {
  test(`${label}: a session is found by its id, with its token id and CSRF token; unknown ids find nothing`, async (t) => {
    const { records } = await create(t)
    const { store } = clocked(records)
    const session = await store.create('0123456789abcdef')
    t.regex(session.id, /^[A-Za-z0-9_-]{43}$/)
    t.regex(session.csrfToken, /^[A-Za-z0-9_-]{43}$/)
    t.not(session.csrfToken, session.id)
    t.deepEqual(await store.use(session.id), {
      tokenId: '0123456789abcdef',
      csrfToken: session.csrfToken,
      csrfHash: sha256(session.csrfToken),
    })
    const otherLast = session.id.endsWith('A') ? 'B' : 'A'
    t.is(await store.use(`${session.id.slice(0, -1)}${otherLast}`), null, 'one character off')
    t.is(await store.use(''), null)
    t.not((await store.create('0123456789abcdef')).csrfToken, session.csrfToken, 'each session has its own')
  })

  test(`${label}: the records hold the id's and the CSRF token's SHA-256 and the token id, never them`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records)
    const session = await store.create('0123456789abcdef')
    t.deepEqual(await records.get(sha256(session.id)), {
      idHash: sha256(session.id),
      tokenId: '0123456789abcdef',
      csrfHash: sha256(session.csrfToken),
      createdAt: clock.now,
      lastUsedAt: clock.now,
    })
    t.is(await records.get(session.id), null, 'not keyed by the id itself')
  })

  test(`${label}: another store on the same database uses, and ends, the same session`, async (t) => {
    const { records, another } = await create(t)
    const { store, storeOn } = clocked(records)
    const replica = storeOn(await another())
    const session = await store.create('0123456789abcdef')
    t.like(await replica.use(session.id), { tokenId: '0123456789abcdef', csrfToken: session.csrfToken })
    await replica.end(session.id)
    t.is(await store.use(session.id), null)
    t.is(await replica.use(session.id), null)
  })

  test(`${label}: 30 idle minutes end a session; a use is recorded at most once a minute`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records)
    const session = await store.create('0123456789abcdef')
    const created = clock.now
    const lastUsed = async () => (await records.get(sha256(session.id)))?.lastUsedAt
    clock.now += 59_999
    t.not(await store.use(session.id), null)
    t.is(await lastUsed(), created, 'within a minute of the recorded use: nothing written')
    clock.now += 1
    t.not(await store.use(session.id), null)
    t.is(await lastUsed(), created + MINUTE, 'a minute after it: written')
    clock.now += 29 * MINUTE
    t.not(await store.use(session.id), null, 'used within the idle time: the idle clock restarts')
    clock.now += 30 * MINUTE
    t.not(await store.use(session.id), null, 'exactly 30 minutes idle')
    clock.now += 30 * MINUTE + 1
    t.is(await store.use(session.id), null, 'idle for longer than 30 minutes')
    t.is(await records.get(sha256(session.id)), null, 'an expired session is deleted when it is used')
  })

  test(`${label}: the idle time counts from the recorded use: between 29 and 30 minutes after the last request`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records)
    const session = await store.create('0123456789abcdef')
    clock.now += 59 * 1000
    t.not(await store.use(session.id), null, 'not recorded: less than a minute after sign-in')
    clock.now += 29 * MINUTE + 1001
    t.is(await store.use(session.id), null, '29 minutes and a second after the last request')
  })

  test(`${label}: a session ends 12 hours after sign-in however busy`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records)
    const session = await store.create('0123456789abcdef')
    for (let step = 1; step <= 36; step++) {
      clock.now += 20 * MINUTE
      t.not(await store.use(session.id), null, `after ${step * 20} minutes`)
    }
    clock.now += 1
    t.is(await store.use(session.id), null, 'older than 12 hours')
  })

  test(`${label}: beyond maxSessions the oldest session ends`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records, { maxSessions: 2 })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      ids.push((await store.create('0123456789abcdef')).id)
      clock.now += MINUTE
    }
    const found = await Promise.all(ids.map(async (id) => (await store.use(id)) !== null))
    t.deepEqual(found, [false, true, true])
    t.is(await store.count(), 2)
  })

  test(`${label}: expired sessions are pruned at sign-in, before the oldest live one is evicted`, async (t) => {
    const { records } = await create(t)
    const { store, clock } = clocked(records, { maxSessions: 2, idleMs: 10 * MINUTE })
    const oldest = await store.create('a000000000000000')
    clock.now += MINUTE
    const idle = await store.create('b000000000000000')
    clock.now += 5 * MINUTE
    t.not(await store.use(oldest.id), null, 'the oldest is used, the other goes idle')
    clock.now += 6 * MINUTE
    await store.create('c000000000000000')
    t.is(await records.get(sha256(idle.id)), null, 'the expired one is gone')
    t.not(await store.use(oldest.id), null, 'the expired one made room, not the oldest')
    clock.now += 11 * MINUTE
    await store.create('d000000000000000')
    t.is(await store.count(), 1, 'every expired session pruned')
  })

  test(`${label}: touch never moves the last use back; ending an unknown session is no error`, async (t) => {
    const { records } = await create(t)
    const record = {
      idHash: sha256('x'),
      tokenId: 'a000000000000000',
      csrfHash: sha256('y'),
      createdAt: 10,
      lastUsedAt: 50,
    }
    await records.insert(record, { createdBefore: 0, usedBefore: 0 }, 10)
    await records.touch(record.idHash, 40)
    t.is((await records.get(record.idHash))?.lastUsedAt, 50)
    await records.touch(record.idHash, 60)
    t.is((await records.get(record.idHash))?.lastUsedAt, 60)
    await records.remove(sha256('unknown'))
    t.is(await records.count(), 1)
  })
}

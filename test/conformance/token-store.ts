import test, { type ExecutionContext } from 'ava'
import { hashToken, issueToken, tokenInfo, verifyToken } from '../../manager/api/tokens/api-token.ts'
import { TokenNameTakenError, type StoredToken, type TokenStore } from '../../manager/api/tokens/token-store.ts'

/**
 * A fresh, empty store, and a way to open another instance on the same database (the server and the CLI, or two
 * replicas); a store without a database of its own returns itself. The factory releases everything in t.teardown.
 */
export type TokenStoreFactory = (
  t: ExecutionContext,
) => Promise<{ store: TokenStore; another: () => Promise<TokenStore> }>

let serial = 0
/** A valid record; ids are unique per call. */
function record(name: string, createdAt = '2026-12-07T10:00:00.000Z', overrides: Partial<StoredToken> = {}) {
  const id = (0xa000_0000_0000_0000n + BigInt(++serial)).toString(16)
  return { id, name, role: 'viewer', tenant: 'acme', hash: hashToken(`amt_${id}_x`), createdAt, ...overrides } as const
}

/** The TokenStore contract (manager/api/tokens/token-store.ts), run against every adapter. */
export function tokenStoreConformance(label: string, create: TokenStoreFactory): void {
  test(`${label}: an empty store lists nothing and finds nothing`, async (t) => {
    const { store } = await create(t)
    t.deepEqual(await store.list(), [])
    t.is(await store.get('0123456789abcdef'), null)
  })

  test(`${label}: a token is read back exactly as added, by id and in the list`, async (t) => {
    const { store } = await create(t)
    const global = record('ops', '2026-12-07T10:00:00.123Z', { role: 'admin', tenant: '*' })
    await store.add(global)
    t.deepEqual(await store.get(global.id), global)
    t.deepEqual(await store.list(), [global])
  })

  test(`${label}: list is ordered by createdAt, then by the order of adding`, async (t) => {
    const { store } = await create(t)
    const late = record('late', '2026-12-07T12:00:00.000Z')
    const early = record('early', '2026-12-07T08:00:00.000Z')
    const tieFirst = record('tie-b', '2026-12-07T10:00:00.000Z')
    const tieSecond = record('tie-a', '2026-12-07T10:00:00.000Z')
    for (const token of [late, early, tieFirst, tieSecond]) await store.add(token)
    t.deepEqual(
      (await store.list()).map((token) => token.name),
      ['early', 'tie-b', 'tie-a', 'late'],
    )
  })

  test(`${label}: a taken name is refused with TokenNameTakenError and nothing is stored`, async (t) => {
    const { store } = await create(t)
    const first = record('ops')
    const second = record('ops', '2026-12-07T11:00:00.000Z', { role: 'admin' })
    await store.add(first)
    await t.throwsAsync(store.add(second), { instanceOf: TokenNameTakenError, message: /"ops" exists already/ })
    t.is(await store.get(second.id), null)
    t.deepEqual(await store.list(), [first])
  })

  test(`${label}: an invalid record is refused and nothing is stored`, async (t) => {
    const { store } = await create(t)
    await t.throwsAsync(store.add({ ...record('bad'), hash: 'plain-text-token' }))
    await t.throwsAsync(store.add({ ...record('bad'), role: 'root' as StoredToken['role'] }))
    t.deepEqual(await store.list(), [])
  })

  test(`${label}: remove says whether a token went; its name is free again`, async (t) => {
    const { store } = await create(t)
    const kept = record('kept')
    const gone = record('gone')
    await store.add(kept)
    await store.add(gone)
    t.true(await store.remove(gone.id))
    t.false(await store.remove(gone.id))
    t.is(await store.get(gone.id), null)
    t.deepEqual(await store.list(), [kept])
    const again = record('gone')
    await store.add(again)
    t.deepEqual(await store.get(again.id), again)
  })

  test(`${label}: an issued token verifies; public info never carries the hash, the store never the text`, async (t) => {
    const { store } = await create(t)
    const { token, info } = await issueToken(store, { role: 'operator', tenant: 'acme', name: 'acme-ops' })
    t.like(await verifyToken(store, token), { tokenId: info.id, name: 'acme-ops', role: 'operator', tenant: 'acme' })
    t.is(await verifyToken(store, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), null)
    t.false('hash' in info)
    const listed = (await store.list()).map(tokenInfo)
    t.false(listed.some((entry) => 'hash' in entry))
    t.false(JSON.stringify(await store.list()).includes(token.slice('amt_0123456789abcdef_'.length)), 'hash only')
  })

  test(`${label}: what one instance adds or removes, another on the same database sees at once`, async (t) => {
    const { store, another } = await create(t)
    const server = store
    const cli = await another()
    const { token, info } = await issueToken(cli, { role: 'admin', tenant: '*', name: 'from-cli' })
    t.like(await verifyToken(server, token), { name: 'from-cli' })
    t.deepEqual((await server.list()).map(tokenInfo), [info])
    t.true(await server.remove(info.id))
    t.is(await cli.get(info.id), null)
    t.is(await verifyToken(cli, token), null)
  })

  test(`${label}: two instances adding one name at the same moment: exactly one wins`, async (t) => {
    const { store, another } = await create(t)
    const replicas = [store, await another()]
    const candidates = replicas.map((_, index) => record('bootstrap-admin', `2026-12-07T10:00:0${index}.000Z`))
    const results = await Promise.allSettled(replicas.map((replica, index) => replica.add(candidates[index]!)))
    const won = results.filter((result) => result.status === 'fulfilled')
    const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []))
    t.is(won.length, 1)
    t.is(lost.length, 1)
    t.true(lost[0] instanceof TokenNameTakenError)
    const winner = candidates[results.findIndex((result) => result.status === 'fulfilled')]
    for (const replica of replicas) t.deepEqual(await replica.list(), [winner])
  })
}

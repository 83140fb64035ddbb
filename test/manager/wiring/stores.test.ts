import { newRollout } from '../../conformance/rollout-store.ts'
import { existsSync } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { issueToken, verifyToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { openStores } from '../../../manager/wiring/stores.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { capturedLogger, tempDir } from '../secrets/support.ts'

const database = usePostgres(test)

function configOf(dataDir: string): ManagerConfig {
  const parsed = parseManagerConfig({ dataDir }, { env: {} })
  if (!parsed.ok) throw new Error(parsed.problems.join('; '))
  return parsed.config
}

test('sqlite: the token store is <dataDir>/api-tokens.sqlite (0600); the legacy file is imported at start', async (t) => {
  const dataDir = await tempDir(t, 'amt-stores-')
  const legacy = new MemoryTokenStore()
  const { token } = await issueToken(legacy, { role: 'admin', tenant: '*', name: 'ops-admin' })
  await writeFile(path.join(dataDir, 'api-tokens.json'), JSON.stringify({ version: 1, tokens: await legacy.list() }))
  const { log, lines } = capturedLogger()
  const stores = await openStores(configOf(dataDir), log)
  t.teardown(() => stores.close())
  t.is(stores.pool, null)
  t.like(await verifyToken(stores.tokens, token), { name: 'ops-admin', role: 'admin' })
  t.is((await stat(path.join(dataDir, 'api-tokens.sqlite'))).mode & 0o777, 0o600)
  t.true(existsSync(path.join(dataDir, 'api-tokens.json.imported')))
  const imported = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => 'renamedTo' in line)
  t.like(imported, { module: 'tokens', count: 1, tokens: ['ops-admin'] })
  t.false(lines.join('').includes('sha256$'), 'no hash in the log')
  await stores.close()

  const again = await openStores(configOf(dataDir), log)
  t.teardown(() => again.close())
  t.deepEqual(
    (await again.tokens.list()).map((stored) => stored.name),
    ['ops-admin'],
    'kept, not imported twice',
  )
})

const record = (idHash: string) => ({ idHash, tokenId: '0123456789abcdef', csrfHash: 'c', createdAt: 1, lastUsedAt: 1 })
const NEVER_EXPIRED = { createdBefore: 0, usedBefore: 0 }

test('sqlite: the console sessions, wave history and rollouts are files next to the tokens (0600), kept across a restart', async (t) => {
  const dataDir = await tempDir(t, 'amt-stores-')
  const stores = await openStores(configOf(dataDir), capturedLogger().log)
  t.teardown(() => stores.close())
  await stores.sessions.insert(record('kept'), NEVER_EXPIRED, 10)
  await stores.waves.record('acme', { targeted: 3, done: 1, failed: 0 }, 1_000)
  await stores.rollouts.create(newRollout('r1', ['h1']))
  for (const file of ['console-sessions.sqlite', 'console-waves.sqlite', 'rollouts.sqlite'])
    t.is((await stat(path.join(dataDir, file))).mode & 0o777, 0o600, file)
  await stores.close()

  const again = await openStores(configOf(dataDir), capturedLogger().log)
  t.teardown(() => again.close())
  t.like(await again.sessions.get('kept'), { tokenId: '0123456789abcdef' })
  t.deepEqual(await again.waves.samples('acme', 2_000), [{ at: 1_000, targeted: 3, done: 1, failed: 0 }])
  t.like(await again.rollouts.get('acme', 'r1'), { state: 'canary' })
})

test('postgres: two managers on one database share the console sessions and the wave history', async (t) => {
  const url = await database('stores')
  const config = (dataDir: string) => {
    const parsed = parseManagerConfig({ dataDir, database: { engine: 'postgres', postgres: { url } } }, { env: {} })
    if (!parsed.ok) throw new Error(parsed.problems.join('; '))
    return parsed.config
  }
  const [first, second] = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const stores = await openStores(config(await tempDir(t, `amt-stores-${name}-`)), capturedLogger().log)
      t.teardown(() => stores.close())
      return stores
    }),
  )
  await first?.sessions.insert(record('shared'), NEVER_EXPIRED, 10)
  t.like(await second?.sessions.get('shared'), { tokenId: '0123456789abcdef' })
  await second?.sessions.remove('shared')
  t.is(await first?.sessions.get('shared'), null)
  await first?.waves.record('acme', { targeted: 2, done: 2, failed: 0 }, 5_000)
  t.deepEqual(await second?.waves.samples('acme', 6_000), [{ at: 5_000, targeted: 2, done: 2, failed: 0 }])
})

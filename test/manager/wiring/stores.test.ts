import { existsSync } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { issueToken, verifyToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { openStores } from '../../../manager/wiring/stores.ts'
import { capturedLogger, tempDir } from '../secrets/support.ts'

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

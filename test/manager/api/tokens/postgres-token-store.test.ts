import test from 'ava'
import pg from 'pg'
import { issueToken, verifyToken } from '../../../../manager/api/tokens/api-token.ts'
import { usePostgres } from '../../../helpers/postgres-server.ts'
import { tokenStoreConformance } from '../../../conformance/token-store.ts'
import { openPostgresTokens } from './support.ts'

const database = usePostgres(test)

tokenStoreConformance('postgres', async (t) => {
  const url = await database('tokens')
  return { store: await openPostgresTokens(t, url), another: () => openPostgresTokens(t, url) }
})

test('postgres: replicas opening at once migrate the tokens schema once, to version 1', async (t) => {
  const url = await database('tokens_migrate')
  const [first] = await Promise.all([
    openPostgresTokens(t, url),
    openPostgresTokens(t, url),
    openPostgresTokens(t, url),
  ])
  const { token } = await issueToken(first, { role: 'viewer', tenant: 'acme', name: 'dash' })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  const versions = await client.query<{ version: number }>(
    "SELECT version FROM schema_migrations WHERE component = 'tokens'",
  )
  t.deepEqual(versions.rows, [{ version: 1 }])
  const again = await openPostgresTokens(t, url)
  t.like(await verifyToken(again, token), { name: 'dash' }, 'a later start keeps the tokens')
})

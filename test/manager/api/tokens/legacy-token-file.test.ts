import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { issueToken, verifyToken } from '../../../../manager/api/tokens/api-token.ts'
import { importLegacyTokens, LegacyTokenFileError } from '../../../../manager/api/tokens/legacy-token-file.ts'
import { logLegacyImport, openTokenStore } from '../../../../manager/api/tokens/open-token-store.ts'
import { MemoryTokenStore } from '../../../../manager/api/tokens/token-store.ts'
import { TOKEN_DATABASE_FILE_NAME } from '../../../../manager/config/config.ts'
import { openPostgresPool } from '../../../../manager/database/postgres-pool.ts'
import { usePostgres } from '../../../helpers/postgres-server.ts'
import { capturedLogger } from '../../secrets/support.ts'
import { openPostgresTokens, tempDir } from './support.ts'
import { listingTogether } from '../../../helpers/listing-together.ts'

const database = usePostgres(test)

/** A token file as releases before the token database wrote it; returns the token texts by name. */
async function writeLegacyFile(file: string, names: string[]): Promise<Map<string, string>> {
  const memory = new MemoryTokenStore()
  const texts = new Map<string, string>()
  for (const name of names)
    texts.set(name, (await issueToken(memory, { role: 'operator', tenant: 'acme', name })).token)
  await writeFile(file, `${JSON.stringify({ version: 1, tokens: await memory.list() }, null, 2)}\n`, { mode: 0o600 })
  return texts
}

test('the first open imports the legacy file into the SQLite store, logs names only, renames it; never twice', async (t) => {
  const dataDir = await tempDir(t)
  const file = path.join(dataDir, 'api-tokens.json')
  const texts = await writeLegacyFile(file, ['ops', 'dash'])
  const hashes = JSON.stringify(JSON.parse(await readFile(file, 'utf8')))
  const opened = await openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file)
  t.teardown(() => opened.close())
  t.deepEqual(opened.legacy, {
    outcome: 'imported',
    file,
    renamedTo: `${file}.imported`,
    names: ['ops', 'dash'],
    alreadyThere: [],
  })
  for (const [name, text] of texts) t.like(await verifyToken(opened.tokens, text), { name, role: 'operator' })
  t.false(existsSync(file))
  t.true(existsSync(`${file}.imported`))
  const { log, lines } = capturedLogger()
  logLegacyImport(opened.legacy, log)
  t.is(lines.length, 1)
  t.like(JSON.parse(lines[0] ?? '{}'), { count: 2, tokens: ['ops', 'dash'], file })
  for (const hash of hashes.match(/sha256\$[\w-]+/g) ?? []) t.false(lines[0]?.includes(hash), 'no hash is logged')
  await opened.close()

  const again = await openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file)
  t.teardown(() => again.close())
  t.is(again.legacy, null, 'the renamed file is not imported again')
  t.deepEqual(
    (await again.tokens.list()).map((token) => token.name),
    ['ops', 'dash'],
  )
})

test('a store that has tokens already leaves the legacy file alone and says so', async (t) => {
  const dataDir = await tempDir(t)
  const file = path.join(dataDir, 'api-tokens.json')
  const first = await openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file)
  t.teardown(() => first.close())
  await issueToken(first.tokens, { role: 'admin', tenant: '*', name: 'new-admin' })
  await writeLegacyFile(file, ['old-admin'])
  const second = await openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file)
  t.teardown(() => second.close())
  t.deepEqual(second.legacy, { outcome: 'store-not-empty', file })
  t.true(existsSync(file))
  t.deepEqual(
    (await second.tokens.list()).map((token) => token.name),
    ['new-admin'],
  )
  const { log, lines } = capturedLogger()
  logLegacyImport(second.legacy, log)
  t.like(JSON.parse(lines[0] ?? '{}'), { level: 40, file })
})

test('an invalid legacy file stops the open, names the file and keeps it', async (t) => {
  const dataDir = await tempDir(t)
  const file = path.join(dataDir, 'api-tokens.json')
  await writeFile(file, '{"version":1,"tokens":[{"id":"zz","hash":"sha256$secret-looking"}]}')
  const err = await t.throwsAsync(
    openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file),
    {
      instanceOf: LegacyTokenFileError,
    },
  )
  t.regex(err?.message ?? '', new RegExp(`^the legacy API token file ${file} is invalid: `))
  t.false(err?.message.includes('secret-looking'), 'the content is not repeated')
  t.true(existsSync(file))
  await writeFile(file, 'not json')
  await t.throwsAsync(openTokenStore({ engine: 'sqlite', file: path.join(dataDir, TOKEN_DATABASE_FILE_NAME) }, file), {
    message: /is not JSON$/,
  })
})

test('PostgreSQL: the first open imports the legacy file; the pool stays open for its owner', async (t) => {
  const dataDir = await tempDir(t)
  const file = path.join(dataDir, 'api-tokens.json')
  const texts = await writeLegacyFile(file, ['ops'])
  const pool = await openPostgresPool({ url: await database('legacy'), poolSize: 2 })
  t.teardown(() => pool.end())
  const opened = await openTokenStore({ engine: 'postgres', pool }, file)
  t.like(opened.legacy, { outcome: 'imported', names: ['ops'] })
  t.like(await verifyToken(opened.tokens, texts.get('ops') ?? ''), { name: 'ops' })
  await opened.close()
  const counted = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens')
  t.is(counted.rows[0]?.n, 1, 'the pool still works')
})

test('two replicas importing copies of one legacy file at the same moment store each token once', async (t) => {
  const url = await database('legacy_race')
  const lookingTogether = listingTogether(2)
  const source = path.join(await tempDir(t), 'api-tokens.json')
  await writeLegacyFile(source, ['one', 'two', 'three'])
  const replicas = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const file = path.join(await tempDir(t, `amt-tokens-${name}-`), 'api-tokens.json')
      await writeFile(file, await readFile(source))
      return { tokens: lookingTogether(await openPostgresTokens(t, url)), file }
    }),
  )
  const reports = await Promise.all(replicas.map(({ tokens, file }) => importLegacyTokens(tokens, file)))
  const counted = reports.flatMap((report) => (report?.outcome === 'imported' ? report.names : []))
  t.deepEqual([...counted].sort(), ['one', 'three', 'two'], 'each token added by exactly one replica')
  t.deepEqual(
    (await (await openPostgresTokens(t, url)).list()).map((token) => token.name),
    ['one', 'two', 'three'],
  )
  for (const { file } of replicas) t.true(existsSync(`${file}.imported`))
})

import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import test from 'ava'
import { verifyToken } from '../../../manager/api/tokens/api-token.ts'
import { ADMIN_TOKEN_FILE_NAME, ensureAdminToken } from '../../../manager/wiring/admin-token.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { openPostgresTokens, openSqliteTokens } from '../api/tokens/support.ts'
import { capturedLogger, tempDir } from '../secrets/support.ts'
import { listingTogether } from '../../helpers/listing-together.ts'

const database = usePostgres(test)

test('bootstrap admin token file: the token line only, mode 0600 even over a stale 0644 temporary file', async (t) => {
  const dir = await tempDir(t, 'amt-admin-token-')
  const file = path.join(dir, 'data', ADMIN_TOKEN_FILE_NAME)
  const tokens = await openSqliteTokens(t, path.join(dir, 'data'))
  const { log, lines } = capturedLogger()
  // An earlier start crashed mid-write (same pid after a container restart): a world-readable temporary file.
  await mkdir(path.dirname(file), { recursive: true })
  const stale = `${file}.${process.pid}.tmp`
  await writeFile(stale, 'stale\n')
  await chmod(stale, 0o644)
  t.true(await ensureAdminToken(tokens, file, log))
  t.is((await stat(file)).mode & 0o777, 0o600)
  const text = await readFile(file, 'utf8')
  t.regex(text, /^amt_[0-9a-f]{16}_[A-Za-z0-9_-]+\n$/, 'the token and a newline, nothing else')
  t.like(await verifyToken(tokens, text.trim()), { role: 'admin', name: 'bootstrap-admin' })
  t.false(
    lines.some((line) => line.includes(text.trim())),
    'the token is never logged',
  )
  t.false(await ensureAdminToken(tokens, file, log), 'written on the first start only')
})

test('two replicas starting at once on one PostgreSQL database: one creates bootstrap-admin, the other goes on', async (t) => {
  const url = await database('admin_token')
  // Both find the store empty before either adds (as replicas starting at the same moment may): list() answers
  // once both have looked.
  const lookingTogether = listingTogether(2)
  const replicas = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const dir = await tempDir(t, `amt-admin-token-${name}-`)
      const tokens = lookingTogether(await openPostgresTokens(t, url))
      return { tokens, file: path.join(dir, ADMIN_TOKEN_FILE_NAME) }
    }),
  )
  const { log, lines } = capturedLogger()
  const results = await Promise.all(replicas.map(({ tokens, file }) => ensureAdminToken(tokens, file, log)))
  const stored = await replicas[0]!.tokens.list()
  t.deepEqual(
    stored.map((token) => token.name),
    ['bootstrap-admin'],
  )
  t.is(results.filter(Boolean).length, 1, 'exactly one replica created it')
  const winner = replicas[results.indexOf(true)]!
  const loser = replicas[results.indexOf(false)]!
  t.like(await verifyToken(loser.tokens, (await readFile(winner.file, 'utf8')).trim()), { name: 'bootstrap-admin' })
  t.false(existsSync(loser.file), 'the other replica writes no file')
  t.true(lines.some((line) => line.includes('another replica created the first admin token at the same moment')))
})

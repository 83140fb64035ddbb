import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import pg from 'pg'
import { stringify } from 'yaml'
import { issueToken, verifyToken } from '../../../manager/api/tokens/api-token.ts'
import { MemoryTokenStore } from '../../../manager/api/tokens/token-store.ts'
import { TOKEN_DATABASE_FILE_NAME } from '../../../manager/config/config.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { openPostgresTokens, openSqliteTokens, tempDir } from '../api/tokens/support.ts'
import { runCli } from './run-cli.ts'

const database = usePostgres(test)

/** `tokens create` with these store options; returns the printed token. */
async function create(t: Parameters<typeof tempDir>[0], env: Record<string, string>, args: string[], name: string) {
  const run = await runCli(env, ['tokens', ...args, 'create', '--role', 'operator', '--tenant', 'acme', '--name', name])
  t.is(run.code, 0, run.stderr)
  return { token: run.stdout.trim(), stderr: run.stderr }
}

test('--data-dir: create, list and revoke on the SQLite store in that directory', async (t) => {
  const dir = await tempDir(t)
  const created = await create(t, {}, ['--data-dir', dir], 'acme-ops')
  t.regex(created.stderr, new RegExp(`stored in ${path.join(dir, TOKEN_DATABASE_FILE_NAME)}; it is shown only now`))
  const server = await openSqliteTokens(t, dir)
  const principal = await verifyToken(server, created.token)
  t.like(principal, { name: 'acme-ops', role: 'operator', tenant: 'acme' }, 'the server sees it at once')
  const listed = await runCli({ AMT_MANAGER_DATA_DIR: dir }, ['tokens', 'list', '--json'])
  t.deepEqual(
    (JSON.parse(listed.stdout) as Array<{ name: string }>).map((token) => token.name),
    ['acme-ops'],
  )
  t.false(listed.stdout.includes('sha256'))
  const revoked = await runCli({}, ['tokens', '--data-dir', dir, 'revoke', principal?.tokenId ?? ''])
  t.deepEqual([revoked.code, revoked.stdout], [0, `revoked ${principal?.tokenId}\n`])
  t.is(await verifyToken(server, created.token), null)
})

test('the first command after an upgrade imports the legacy token file and says so on stderr', async (t) => {
  const dir = await tempDir(t)
  const legacy = new MemoryTokenStore()
  const { token } = await issueToken(legacy, { role: 'admin', tenant: '*', name: 'old-admin' })
  const file = path.join(dir, 'api-tokens.json')
  await writeFile(file, JSON.stringify({ version: 1, tokens: await legacy.list() }))
  const listed = await runCli({}, ['tokens', 'list', '--data-dir', dir])
  t.is(listed.code, 0, listed.stderr)
  t.regex(listed.stdout, /old-admin\s+admin\s+\*/)
  t.is(listed.stderr, `imported 1 API token(s) of the legacy file ${file} (old-admin); it is now ${file}.imported\n`)
  t.false(existsSync(file))
  t.like(await verifyToken(await openSqliteTokens(t, dir), token), { name: 'old-admin' })
})

test('--config: the store of the configuration (SQLite in its dataDir); --config with --data-dir is a usage error', async (t) => {
  const dir = await tempDir(t)
  const config = path.join(dir, 'manager.yaml')
  await writeFile(config, stringify({ dataDir: 'state' }))
  const { token } = await create(t, { AMT_MANAGER_CONFIG: config }, [], 'from-config')
  t.like(await verifyToken(await openSqliteTokens(t, path.join(dir, 'state')), token), { name: 'from-config' })
  const both = await runCli({}, ['tokens', '--config', config, '--data-dir', dir, 'list'])
  t.deepEqual([both.code, both.stderr], [2, 'error: pass --config or --data-dir, not both\n'])
  const bad = await runCli({}, ['tokens', '--config', path.join(dir, 'missing.yaml'), 'list'])
  t.is(bad.code, 1)
  t.regex(bad.stderr, /^error: invalid configuration .*missing\.yaml: /)
})

test('--config with database.engine postgres: the shared table, its connection closed at the end', async (t) => {
  const dir = await tempDir(t)
  const url = await database('cli_tokens')
  const config = path.join(dir, 'manager.yaml')
  await writeFile(config, stringify({ dataDir: 'data', database: { engine: 'postgres', postgres: { url } } }))
  const { token, stderr } = await create(t, {}, ['--config', config], 'pg-ops')
  t.regex(stderr, /stored in PostgreSQL; it is shown only now/)
  const replica = await openPostgresTokens(t, url)
  t.like(await verifyToken(replica, token), { name: 'pg-ops' }, 'a replica sees it at once')
  t.false(existsSync(path.join(dir, 'data', TOKEN_DATABASE_FILE_NAME)), 'no SQLite store was made')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  // The server ends a backend shortly after its client hung up: wait for it, bounded.
  const sessions = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'amt-manager tokens'"
  await pollUntil(
    async () => {
      const n = (await client.query<{ n: number }>(sessions)).rows[0]?.n
      return n === 0 || `${n} sessions`
    },
    "the command's connection to close",
    30_000,
  )
  t.pass()
})

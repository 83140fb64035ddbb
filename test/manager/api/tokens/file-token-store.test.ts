import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { hashToken, issueToken, verifyToken } from '../../../../manager/api/tokens/api-token.ts'
import { FileTokenStore, TokenFileError } from '../../../../manager/api/tokens/file-token-store.ts'
import { TokenNameTakenError } from '../../../../manager/api/tokens/token-store.ts'

async function tempFile(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-tokens-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return path.join(dir, 'nested', 'api-tokens.json')
}

test('a token verifies to its principal; the file holds only its hash, owner-only', async (t) => {
  const file = await tempFile(t)
  const store = new FileTokenStore(file)
  const { token, info } = await issueToken(store, { role: 'operator', tenant: 'acme', name: 'ops' })
  t.regex(token, /^amt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
  t.deepEqual(await verifyToken(store, token), { tokenId: info.id, name: 'ops', role: 'operator', tenant: 'acme' })
  const text = await readFile(file, 'utf8')
  t.false(text.includes(token.slice(22)), 'no secret in the file')
  t.true(text.includes(hashToken(token)))
  t.is((await stat(file)).mode & 0o777, 0o600)
  t.is(await verifyToken(store, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), null)
  t.is(await verifyToken(store, 'amt_short'), null)
})

test('a second store on the same file (the CLI) sees changes of the first at once, and vice versa', async (t) => {
  const file = await tempFile(t)
  const server = new FileTokenStore(file)
  const cli = new FileTokenStore(file)
  t.deepEqual(await server.list(), [], 'a missing file is an empty store')
  const { token, info } = await issueToken(cli, { role: 'admin', tenant: '*' })
  t.truthy(await verifyToken(server, token))
  t.true(await server.remove(info.id))
  t.is(await verifyToken(cli, token), null)
  t.false(await cli.remove(info.id))
})

test('names are unique; a corrupt file is an error, not an empty store', async (t) => {
  const file = await tempFile(t)
  const store = new FileTokenStore(file)
  await issueToken(store, { role: 'viewer', tenant: 'acme', name: 'dash' })
  await t.throwsAsync(issueToken(store, { role: 'viewer', tenant: 'beta', name: 'dash' }), {
    instanceOf: TokenNameTakenError,
  })
  t.is((await store.list()).length, 1)
  await writeFile(file, '{"version":1,"tokens":[{"id":"zz"}]}')
  await t.throwsAsync(store.list(), { instanceOf: TokenFileError })
})

import { existsSync } from 'node:fs'
import path from 'node:path'
import test from 'ava'
import { createSecretStore } from '../../../manager/secrets/create-secret-store.ts'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { capturedLogger, startFakeVault, tempDir } from './support.ts'

const KEY = { tenantId: 'acme', hostId: 'h-1' }

test('kind local: a local SQLite store in the given file, opened at once', async (t) => {
  const { log, lines } = capturedLogger()
  const file = path.join(await tempDir(t), 'state', 'secrets.db')
  const store = createSecretStore({ kind: 'local', file }, { log })
  t.teardown(() => store.close())
  t.is(store.kind, 'local')
  t.true(existsSync(file))
  t.true(await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' }))
  t.true(lines.some((line) => line.includes('secret store: local SQLite file')))
  t.false(lines.some((line) => line.includes('Aa1!aaaaaaaa')))
})

test('kind local: maxVersions is passed to the store', async (t) => {
  const { log } = capturedLogger()
  const file = path.join(await tempDir(t), 'secrets.db')
  const store = createSecretStore({ kind: 'local', file, maxVersions: 2 }, { log })
  t.teardown(() => store.close())
  for (const password of ['Aa1!aaaaaaaa', 'Bb2#bbbbbbbb', 'Cc3$cccccccc']) await store.putAmtPassword(KEY, { password })
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [3, 2],
  )
})

test('kind vault: mount, prefix and auth from the config; the start log names no secret', async (t) => {
  const vault = await startFakeVault(t, { mounts: ['kv'] })
  const token = vault.issueToken()
  const { log, lines } = capturedLogger()
  const secret = { reveal: () => token }
  const store = createSecretStore(
    {
      kind: 'vault',
      address: `${vault.url}/`,
      mount: 'kv',
      pathPrefix: 'edge',
      auth: { method: 'token', token: secret },
      timeoutMs: 10_000,
      retries: 0,
    },
    { log },
  )
  t.teardown(() => store.close())
  await store.putTenantPassword('acme', { password: 'Aa1!aaaaaaaa' })
  t.deepEqual(vault.kv.latest('kv/edge/acme/tenant'), { password: 'Aa1!aaaaaaaa' })
  t.true(lines.some((line) => line.includes('secret store: Vault KV v2')))
  t.false(lines.some((line) => line.includes(token)))
})

test('an invalid config lists every problem, never a value', (t) => {
  const { log } = capturedLogger()
  const err = t.throws(
    () =>
      createSecretStore(
        {
          kind: 'vault',
          address: 'ftp://vault',
          mount: '../sys',
          pathPrefix: 'a//b',
          timeoutMs: -1,
          retries: 1.5,
          auth: { method: 'approle', roleId: '', secretId: 'hunter2-secret' },
        },
        { log },
      ),
    { instanceOf: SecretStoreError },
  )
  t.is(err?.code, 'SECRET_STORE_CONFIG_INVALID')
  for (const field of ['address', 'mount', 'pathPrefix', 'timeoutMs', 'retries', 'auth.roleId'])
    t.true(err?.message.includes(field), field)
  t.false(err?.message.includes('hunter2') ?? true)
  t.like(
    t.throws(() =>
      createSecretStore(
        { kind: 'vault', address: 'http://v', auth: { method: 'kubernetes', role: '', jwtFile: '' } },
        { log },
      ),
    ),
    { code: 'SECRET_STORE_CONFIG_INVALID' },
  )
  t.like(
    t.throws(() =>
      createSecretStore({ kind: 'vault', address: 'http://v', auth: { method: 'token', token: '' } }, { log }),
    ),
    { code: 'SECRET_STORE_CONFIG_INVALID' },
  )
  t.like(
    t.throws(() => createSecretStore({ kind: 'local', file: '' }, { log })),
    { code: 'SECRET_STORE_CONFIG_INVALID' },
  )
})

import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { createLocalFileSecretStore } from '../../../manager/secrets/local-file.ts'
import { secretStoreConformance } from '../../conformance/secret-store.ts'
import { tempDir } from './support.ts'

secretStoreConformance('local file store', async (t) => {
  const store = createLocalFileSecretStore({ dir: path.join(await tempDir(t), 'secrets') })
  t.teardown(() => store.close())
  return store
})

const KEY = { tenantId: 'acme', hostId: 'h-1' }

test('local store: files are 0600 in 0700 directories, laid out like the Vault paths', async (t) => {
  const dir = path.join(await tempDir(t), 'secrets')
  const store = createLocalFileSecretStore({ dir })
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' })
  await store.putTenantPassword('acme', { password: 'Bb2#bbbbbbbb', mebxPassword: 'Mm1!mmmmmmmm' })
  const hostFile = path.join(dir, 'acme', 'hosts', 'h-1.json')
  const tenantFile = path.join(dir, 'acme', 'tenant.json')
  for (const file of [hostFile, tenantFile]) t.is((await stat(file)).mode & 0o777, 0o600, file)
  for (const folder of [dir, path.join(dir, 'acme'), path.join(dir, 'acme', 'hosts')]) t.is((await stat(folder)).mode & 0o777, 0o700, folder)
  t.deepEqual(JSON.parse(await readFile(tenantFile, 'utf8')), { password: 'Bb2#bbbbbbbb', mebxPassword: 'Mm1!mmmmmmmm' })
})

test('local store: a write goes to a complete temp file that replaces the target by rename', async (t) => {
  const dir = path.join(await tempDir(t), 'secrets')
  const seen: Array<{ temp: string; tempText: string; targetText: string }> = []
  const store = createLocalFileSecretStore({
    dir,
    beforeCommit: async (temp, file) => {
      seen.push({ temp, tempText: await readFile(temp, 'utf8'), targetText: await readFile(file, 'utf8').catch(() => '(none)') })
      t.is((await stat(temp)).mode & 0o777, 0o600)
    },
  })
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' })
  await store.putAmtPassword(KEY, { password: 'Bb2#bbbbbbbb' })
  t.is(seen.length, 2)
  t.is(seen[1]?.targetText.trim(), JSON.stringify({ password: 'Aa1!aaaaaaaa' }), 'the target keeps the old secret until the rename')
  t.is(seen[1]?.tempText.trim(), JSON.stringify({ password: 'Bb2#bbbbbbbb' }), 'the temp file is complete before the rename')
  t.is(path.dirname(seen[1]?.temp ?? ''), path.join(dir, 'acme', 'hosts'), 'same directory: rename is atomic')
  t.deepEqual(await readdir(path.join(dir, 'acme', 'hosts')), ['h-1.json'], 'no temp file is left')
})

test('local store: a crash before the rename leaves the old secret and no partial or temp file', async (t) => {
  const dir = path.join(await tempDir(t), 'secrets')
  let crash = false
  const store = createLocalFileSecretStore({
    dir,
    beforeCommit: () => {
      if (crash) throw Object.assign(new Error('simulated crash'), { code: 'EIO' })
    },
  })
  await store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' })
  crash = true
  const err = await t.throwsAsync(store.putAmtPassword(KEY, { password: 'Bb2#bbbbbbbb' }), { instanceOf: SecretStoreError })
  t.is(err?.code, 'SECRET_STORE_UNAVAILABLE')
  t.false(err?.message.includes(dir) ?? true, 'no path in the message')
  t.deepEqual(await store.getAmtPassword(KEY), { password: 'Aa1!aaaaaaaa' })
  t.deepEqual(await readdir(path.join(dir, 'acme', 'hosts')), ['h-1.json'])
})

test('local store: a damaged file is SECRET_STORE_CORRUPT (its content is not echoed)', async (t) => {
  const dir = path.join(await tempDir(t), 'secrets')
  const store = createLocalFileSecretStore({ dir })
  await mkdir(path.join(dir, 'acme', 'hosts'), { recursive: true })
  await writeFile(path.join(dir, 'acme', 'hosts', 'h-1.json'), '{"password":"Aa1!aaa')
  await writeFile(path.join(dir, 'acme', 'tenant.json'), '{"mebxPassword":"Mm1!mmmmmmmm"}')
  const broken = await t.throwsAsync(store.getAmtPassword(KEY), { instanceOf: SecretStoreError })
  t.is(broken?.code, 'SECRET_STORE_CORRUPT')
  t.false(broken?.message.includes('Aa1') ?? true)
  t.is((await t.throwsAsync(store.getTenantPassword('acme'), { instanceOf: SecretStoreError }))?.code, 'SECRET_STORE_CORRUPT')
})

test('local store: an unusable directory is reported by health and as SECRET_STORE_UNAVAILABLE', async (t) => {
  const base = await tempDir(t)
  const blocker = path.join(base, 'not-a-dir')
  await writeFile(blocker, '')
  const store = createLocalFileSecretStore({ dir: blocker })
  t.like(await store.health(), { ok: false, kind: 'local' })
  const err = await t.throwsAsync(store.putAmtPassword(KEY, { password: 'Aa1!aaaaaaaa' }), { instanceOf: SecretStoreError })
  t.is(err?.code, 'SECRET_STORE_UNAVAILABLE')
  t.regex(err?.message ?? '', /file system error E[A-Z]+/)
})

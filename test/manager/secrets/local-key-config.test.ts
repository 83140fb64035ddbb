import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { inspect } from 'node:util'
import test from 'ava'
import { ENV_SECRETS_KEY, ENV_SECRETS_PREVIOUS_KEYS } from '../../../manager/config/resolve.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { createSecretStore } from '../../../manager/secrets/create-secret-store.ts'
import { SecretStoreError } from '../../../manager/secrets/errors.ts'
import { capturedLogger, kekText, tempDir, testKek } from './support.ts'

const KEY = { tenantId: 'acme', hostId: 'h-1' }
const A = { password: 'Aa1!aaaaaaaa' }

test('no key configured: a key file is generated next to the database, 0600, warned about, reused', async (t) => {
  const dir = path.join(await tempDir(t), 'data')
  const file = path.join(dir, 'secrets.db')
  const umask = process.umask(0)
  const { log, lines } = capturedLogger()
  let store
  try {
    store = createSecretStore({ kind: 'local', file }, { log })
  } finally {
    process.umask(umask)
  }
  t.true(await store.putAmtPassword(KEY, A))
  await store.close()
  const keyFile = path.join(dir, 'secrets.key')
  t.is((await stat(keyFile)).mode & 0o777, 0o600)
  const text = await readFile(keyFile, 'utf8')
  t.regex(text, /^local-[0-9a-f]{8}:[A-Za-z0-9+/]{43}=\n$/)
  t.true(lines.some((line) => line.includes('"level":40') && line.includes('NEXT TO THE DATA')))
  t.false(
    lines.some((line) => line.includes(text.trim().split(':')[1] ?? '-')),
    'the key is never logged',
  )
  const again = createSecretStore({ kind: 'local', file }, { log })
  t.teardown(() => again.close())
  t.deepEqual(await again.getAmtPassword(KEY), A)
  t.is(await readFile(keyFile, 'utf8'), text)
})

test('a configured key (and a previous one) is used, never logged; a malformed key is refused unechoed', async (t) => {
  const file = path.join(await tempDir(t), 'secrets.db')
  const [k1, k2] = [testKek('k1'), testKek('k2')]
  const { log, lines } = capturedLogger()
  const first = createSecretStore({ kind: 'local', file, key: kekText(k1) }, { log })
  await first.putAmtPassword(KEY, A)
  await first.close()
  const second = createSecretStore({ kind: 'local', file, key: kekText(k2), previousKeys: [kekText(k1)] }, { log })
  t.teardown(() => second.close())
  t.deepEqual(await second.getAmtPassword(KEY), A)
  for (const kek of [k1, k2]) t.false(lines.some((line) => line.includes(kek.key.toString('base64'))))
  const bad = 'k3:c2hvcnQ='
  const opening = () => createSecretStore({ kind: 'local', file, key: bad }, { log })
  const err = t.throws(opening, { instanceOf: SecretStoreError })
  t.is(err?.code, 'SECRET_STORE_CONFIG_INVALID')
  t.regex(err?.message ?? '', /the key of 'k3' must be 32 bytes in base64/)
  t.false(err?.message.includes('c2hvcnQ=') ?? true)
})

test('config: secrets.keyFile / previousKeyFiles or the environment give the keys as redacted values', (t) => {
  const files: Record<string, string> = { '/etc/amt/kek': 'k2:KEY-TWO\n', '/etc/amt/kek-old': 'k1:KEY-ONE\n' }
  const readFile = (name: string): string => {
    const content = files[name]
    if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
    return content
  }
  const parse = (secrets: unknown, env: NodeJS.ProcessEnv = {}) =>
    parseManagerConfig({ dataDir: '/var/lib/amt', secrets }, { env, baseDir: '/etc/amt', readFile })
  const fromFiles = parse({ kind: 'local', keyFile: 'kek', previousKeyFiles: ['kek-old'] })
  if (!fromFiles.ok) return t.fail(fromFiles.problems.join('\n'))
  const settings = fromFiles.config.secrets
  if (settings.kind !== 'local') return t.fail('not local')
  t.is(settings.key?.reveal(), 'k2:KEY-TWO')
  t.deepEqual(
    settings.previousKeys?.map((key) => key.reveal()),
    ['k1:KEY-ONE'],
  )
  t.false(inspect(fromFiles.config, { depth: 20 }).includes('KEY-TWO'))
  const fromEnv = parse({ kind: 'local' }, { [ENV_SECRETS_KEY]: 'k9:ENV', [ENV_SECRETS_PREVIOUS_KEYS]: 'k8:A, k7:B' })
  if (!fromEnv.ok || fromEnv.config.secrets.kind !== 'local') return t.fail('env config refused')
  t.is(fromEnv.config.secrets.key?.reveal(), 'k9:ENV')
  t.deepEqual(
    fromEnv.config.secrets.previousKeys?.map((key) => key.reveal()),
    ['k8:A', 'k7:B'],
  )
  const missing = parse({ kind: 'local', keyFile: 'nope' })
  t.false(missing.ok)
  if (!missing.ok) t.true(missing.problems.some((problem) => problem.startsWith('secrets.keyFile: cannot read')))
})

test('a generated key file that cannot be written is SECRET_STORE_UNAVAILABLE naming the errno only', async (t) => {
  const blocker = path.join(await tempDir(t), 'not-a-dir')
  await writeFile(blocker, '')
  const { log } = capturedLogger()
  const opening = () => createSecretStore({ kind: 'local', file: path.join(blocker, 'secrets.db') }, { log })
  const err = t.throws(opening, { instanceOf: SecretStoreError })
  t.like(err, { code: 'SECRET_STORE_UNAVAILABLE', details: { operation: 'open key file' } })
  t.regex(err?.details.reason ?? '', /^E[A-Z]+$/)
  t.false(err?.message.includes(blocker) ?? true)
})

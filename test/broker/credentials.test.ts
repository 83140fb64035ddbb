import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { PeerCertificate } from 'node:tls'
import test from 'ava'
import { deviceIdentityFromCertificate } from '../../broker/auth/certificate-identity.ts'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { FileCredentialStore } from '../../broker/auth/file-credential-store.ts'
import {
  decodeHash,
  hashPassword,
  hashRandomSecret,
  verifyPasswordHash,
  type DecodedHash,
} from '../../broker/auth/password-hash.ts'

const CHEAP = { logN: 10, r: 8, p: 1 }

test('password hashes carry their parameters and a fresh salt, and verify only the right password', async (t) => {
  const [first, second] = await Promise.all([hashPassword('s3cret', CHEAP), hashPassword('s3cret', CHEAP)])
  t.regex(first, /^scrypt\$10\$8\$1\$/)
  t.not(first, second)
  const hash = decodeHash(first)
  if (hash === null) return t.fail('own hash does not decode')
  t.true(await verifyPasswordHash(hash, 's3cret'))
  t.true(await verifyPasswordHash(hash, Buffer.from('s3cret')))
  t.false(await verifyPasswordHash(hash, 's3cret '))
  for (const junk of ['', 'plain', 'scrypt$99$8$1$AAAA$AAAA', 'bcrypt$10$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5'])
    t.is(decodeHash(junk), null, junk)
})

test('random-secret hashes (HMAC-SHA-256 with a fresh salt) verify only the right secret, beside scrypt hashes', async (t) => {
  const secret = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4'
  const [first, second] = [hashRandomSecret(secret), hashRandomSecret(secret)]
  t.regex(first, /^hmac-sha256\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
  t.not(first, second, 'a fresh salt each time')
  const hash = decodeHash(first)
  if (hash === null) return t.fail('own hash does not decode')
  t.is(hash.scheme, 'hmac-sha256')
  t.true(await verifyPasswordHash(hash, secret))
  t.true(await verifyPasswordHash(hash, Buffer.from(secret)))
  for (const wrong of ['', `${secret} `, secret.slice(1), `${secret}\u0000`])
    t.false(await verifyPasswordHash(hash, wrong), JSON.stringify(wrong))
  // The other salt's digest, a truncated digest, a foreign scheme name: not a hash of this module.
  const [, salt = '', mac = ''] = first.split('$')
  t.false(await verifyPasswordHash({ ...hash, salt: Buffer.from(second.split('$')[1] ?? '', 'base64') }, secret))
  for (const junk of [`hmac-sha256$${salt}$${mac.slice(0, 20)}`, `hmac-sha1$${salt}$${mac}`, `hmac-sha256$$${mac}`])
    t.is(decodeHash(junk), null, junk)
  // An scrypt hash of the same secret verifies as before: both schemes live in one store.
  const old = decodeHash(await hashPassword(secret, CHEAP))
  if (old === null) return t.fail('scrypt hash does not decode')
  t.is(old.scheme, 'scrypt')
  t.true(await verifyPasswordHash(old, secret))
  t.false(await verifyPasswordHash(old, `${secret}x`))
})

test('the memory store returns the principal for the right password, null for a wrong one or an unknown user', async (t) => {
  const store = new MemoryCredentialStore({ scryptParams: CHEAP })
  await store.add({ username: 'host-1', password: 'pw', role: 'device', tenantId: 't1', hostId: 'h1' })
  await store.add({ username: 'reader', passwordHash: await hashPassword('pw2', CHEAP), role: 'integrator' })
  t.deepEqual(await store.verifyPassword('host-1', 'pw'), {
    id: 'host-1',
    role: 'device',
    tenantId: 't1',
    hostId: 'h1',
  })
  t.deepEqual(await store.verifyPassword('reader', Buffer.from('pw2')), { id: 'reader', role: 'integrator' })
  t.is(await store.verifyPassword('host-1', 'PW'), null)
  t.is(await store.verifyPassword('nobody', 'pw'), null)
  t.true(store.remove('host-1'))
  t.is(await store.verifyPassword('host-1', 'pw'), null)
})

test('the memory store rejects entries that do not make a valid principal', async (t) => {
  const store = new MemoryCredentialStore({ scryptParams: CHEAP })
  await t.throwsAsync(store.add({ username: 'x', password: 'pw', role: 'device', tenantId: 't1', hostId: 'a/b' }))
  await t.throwsAsync(store.add({ username: 'x', passwordHash: 'plain', role: 'manager' }))
  await t.throwsAsync(store.add({ username: 'x', role: 'manager' }))
  t.is(store.size, 0)
})

test('the file store loads, reloads, and keeps the previous credentials when the new file is invalid', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-creds-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'creds.yaml')
  const entry = async (username: string, password: string) =>
    `  - { username: ${username}, role: manager, passwordHash: "${await hashPassword(password, CHEAP)}" }`
  await writeFile(file, `principals:\n${await entry('alice', 'a')}\n`)
  const loaded = await FileCredentialStore.load(file)
  if (!loaded.ok) return t.fail(loaded.problems.join('\n'))
  const store = loaded.store
  t.like(await store.verifyPassword('alice', 'a'), { id: 'alice', role: 'manager' })

  await writeFile(file, `principals:\n${await entry('bob', 'b')}\n`)
  t.deepEqual(await store.reload(), { ok: true, count: 1 })
  t.is(await store.verifyPassword('alice', 'a'), null)
  t.like(await store.verifyPassword('bob', 'b'), { id: 'bob' })

  await writeFile(file, `principals:\n${await entry('bob', 'b')}\n${await entry('bob', 'c')}\n`)
  const refused = await store.reload()
  t.false(refused.ok)
  t.like(await store.verifyPassword('bob', 'b'), { id: 'bob' }, 'previous credentials stay in force')
})

test('a JSON credentials file is read as the YAML it is a subset of; a flow mapping that is not JSON is YAML', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-creds-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const hash = await hashPassword('a', CHEAP)
  const load = async (name: string, text: string) => {
    const file = path.join(dir, name)
    await writeFile(file, text)
    return FileCredentialStore.load(file)
  }
  const principals = [
    { username: 'alice', role: 'manager', passwordHash: hash },
    { username: 'node-1', role: 'device', tenantId: 'acme', hostId: 'node-1', passwordHash: hash },
  ]
  const json = await load('creds.json', `\n ${JSON.stringify({ principals }, null, 1)}\n`)
  if (!json.ok) return t.fail(json.problems.join('\n'))
  t.like(await json.store.verifyPassword('alice', 'a'), { id: 'alice', role: 'manager' })
  t.like(await json.store.verifyPassword('node-1', 'a'), { role: 'device', tenantId: 'acme', hostId: 'node-1' })

  const flow = await load(
    'flow.yaml',
    `{ principals: [ { username: bob, role: manager, passwordHash: "${hash}" } ] }\n`,
  )
  if (!flow.ok) return t.fail(flow.problems.join('\n'))
  t.like(await flow.store.verifyPassword('bob', 'a'), { id: 'bob' })

  const duplicate = await load('dup.json', JSON.stringify({ principals: [principals[0], principals[0]] }))
  t.false(duplicate.ok)
  if (!duplicate.ok) t.regex(duplicate.problems.join('\n'), /duplicate username "alice"/)
  const broken = await load('broken.json', '{ "principals": [ ')
  t.false(broken.ok, 'neither JSON nor YAML: refused with a problem')
})

const cert = (subjectaltname?: string): PeerCertificate => ({ subjectaltname }) as PeerCertificate

test('a device certificate is identified by exactly one urn:amt:{tenant}:{host} SAN URI', (t) => {
  t.deepEqual(deviceIdentityFromCertificate(cert('URI:urn:amt:t1:h1')), { tenantId: 't1', hostId: 'h1' })
  t.deepEqual(
    deviceIdentityFromCertificate(cert('DNS:h1.example, URI:urn:amt:acme:0A1B2C3D-0000-4000-8000-000000000001')),
    {
      tenantId: 'acme',
      hostId: '0A1B2C3D-0000-4000-8000-000000000001',
    },
  )
  for (const san of [
    undefined,
    'DNS:h1',
    'URI:urn:amt:t1',
    'URI:urn:amt:t1:h1:x',
    'URI:urn:amt:t1:h+1',
    'URI:urn:amt:t1:h1, URI:urn:amt:t1:h2',
    'URI:https://urn:amt:t1:h1',
  ]) {
    t.is(deviceIdentityFromCertificate(cert(san)), null, String(san))
  }
})

test("the file store checks an unknown username as costly as the file's principals of its kind (device-shaped or not)", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-creds-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'creds.yaml')
  const device = `  - { username: h1@t1, role: device, tenantId: t1, hostId: h1, passwordHash: "${await hashPassword('d', CHEAP)}" }`
  const reader = `  - { username: reader, role: integrator, passwordHash: "${await hashPassword('r', { ...CHEAP, logN: 12 })}" }`
  // The device first: the decoy once took the first entry's cost for every unknown name.
  await writeFile(file, `principals:\n${device}\n${reader}\n`)
  const checks: number[] = []
  const verify = (hash: DecodedHash, password: string | Buffer) => {
    checks.push(hash.scheme === 'scrypt' ? hash.params.logN : 0)
    return verifyPasswordHash(hash, password)
  }
  const loaded = await FileCredentialStore.load(file, { verify })
  if (!loaded.ok) return t.fail(loaded.problems.join('\n'))
  for (const username of ['reader', 'nobody', 'h1@t1', 'h9@t1'])
    t.is(await loaded.store.verifyPassword(username, 'wrong'), null, username)
  t.deepEqual(checks, [12, 12, 10, 10])
})

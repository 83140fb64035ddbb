import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { stringify } from 'yaml'
import { decodeHash, hashPassword, hashRandomSecret, verifyPasswordHash } from '../../../broker/auth/password-hash.ts'
import {
  createBrokerCredentials,
  loadIntegratorsFile,
  MANAGER_USERNAME,
} from '../../../manager/bus/broker-credentials.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { tempDir } from '../../e2e/support/processes.ts'

const CHEAP = { logN: 10, r: 8, p: 1 }

async function setup(t: Parameters<typeof tempDir>[0]) {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 't1' })
  await inventory.createHost({ tenantId: 't1', hostId: 'h1' })
  await inventory.putCredential({
    tenantId: 't1',
    hostId: 'h1',
    username: 'h1@t1',
    passwordHash: await hashPassword('device-secret', CHEAP),
  })
  const store = await createBrokerCredentials({
    inventory,
    manager: { username: MANAGER_USERNAME, password: 'manager-secret' },
    integrators: [{ username: 'reader', password: 'reader-secret', role: 'integrator', tenantId: 't1' }],
  })
  return { inventory, store }
}

test('embedded broker credentials: devices from Inventory, the in-memory manager, configured integrators', async (t) => {
  const { inventory, store } = await setup(t)
  t.deepEqual(await store.verifyPassword('h1@t1', 'device-secret'), {
    id: 'h1@t1',
    role: 'device',
    tenantId: 't1',
    hostId: 'h1',
  })
  t.deepEqual(await store.verifyPassword(MANAGER_USERNAME, 'manager-secret'), { id: MANAGER_USERNAME, role: 'manager' })
  t.deepEqual(await store.verifyPassword('reader', 'reader-secret'), {
    id: 'reader',
    role: 'integrator',
    tenantId: 't1',
  })
  for (const [username, password] of [
    ['h1@t1', 'wrong'],
    [MANAGER_USERNAME, 'device-secret'],
    ['nobody@t1', 'device-secret'],
    ['reader', 'manager-secret'],
  ]) {
    t.is(await store.verifyPassword(username ?? '', password ?? ''), null, `${username} / ${password}`)
  }
  await inventory.putCredential({
    tenantId: 't1',
    hostId: 'h1',
    username: 'h1@t1',
    passwordHash: await hashPassword('rotated', CHEAP),
  })
  t.is(
    await store.verifyPassword('h1@t1', 'device-secret'),
    null,
    'a rotated credential takes effect at the next CONNECT',
  )
  await inventory.deleteHost({ tenantId: 't1', hostId: 'h1' })
  t.is(await store.verifyPassword('h1@t1', 'rotated'), null, 'a deleted host can no longer connect')
})

test('an integrators file may hold only integrators, none named like the manager or a device', async (t) => {
  const dir = await tempDir(t, 'amt-integrators-')
  const file = path.join(dir, 'integrators.yaml')
  const passwordHash = await hashPassword('x', CHEAP)
  await writeFile(file, stringify({ principals: [{ username: 'reader', role: 'integrator', passwordHash }] }))
  t.like(await loadIntegratorsFile(file), { ok: true, entries: [{ username: 'reader', role: 'integrator' }] })
  await writeFile(
    file,
    stringify({
      principals: [
        { username: 'boss', role: 'manager', passwordHash },
        { username: MANAGER_USERNAME, role: 'integrator', passwordHash },
        { username: 'h1@t1', role: 'integrator', passwordHash },
      ],
    }),
  )
  const loaded = await loadIntegratorsFile(file)
  t.deepEqual(loaded.ok ? [] : loaded.problems.map((problem) => problem.split(':')[0]), [
    'principals.0',
    'principals.1',
    'principals.2',
  ])
})

test('an unknown username costs the check of an existing principal of its kind: device-shaped names a device, others an integrator', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 't1' })
  await inventory.createHost({ tenantId: 't1', hostId: 'h1' })
  await inventory.putCredential({
    tenantId: 't1',
    hostId: 'h1',
    username: 'h1@t1',
    passwordHash: hashRandomSecret('device-secret'),
  })
  const checks: number[] = []
  const store = await createBrokerCredentials({
    inventory,
    manager: { username: MANAGER_USERNAME, password: 'manager-secret' },
    integrators: [
      {
        username: 'reader',
        passwordHash: await hashPassword('reader-secret', { ...CHEAP, logN: 12 }),
        role: 'integrator',
        tenantId: 't1',
      },
    ],
    verify: (hash, password) => {
      checks.push(hash.scheme === 'scrypt' ? hash.params.logN : 0)
      return verifyPasswordHash(hash, password)
    },
  })
  for (const username of ['reader', 'nobody', 'h1@t1', 'h9@t1'])
    t.is(await store.verifyPassword(username, 'wrong'), null, username)
  // A device check is a digest (0 here), known name or not.
  t.deepEqual(checks, [12, 12, 0, 0])
})

/** Polls Inventory until the credential's hash satisfies `done` (the upgrade is written after the login answered). */
async function storedHashUntil(
  inventory: Awaited<ReturnType<typeof setup>>['inventory'],
  done: (hash: string) => boolean,
): Promise<string> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const hash = (await inventory.getCredentialByUsername('h1@t1'))?.passwordHash ?? ''
    if (done(hash) || Date.now() > deadline) return hash
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

test('a device whose stored scrypt hash matched is upgraded to the keyed digest; a wrong password upgrades nothing', async (t) => {
  const { inventory, store } = await setup(t)
  const before = (await inventory.getCredentialByUsername('h1@t1'))?.passwordHash ?? ''
  t.is(await store.verifyPassword('h1@t1', 'wrong-secret'), null)
  t.is((await inventory.getCredentialByUsername('h1@t1'))?.passwordHash, before, 'a failed login writes nothing')

  t.like(await store.verifyPassword('h1@t1', 'device-secret'), { id: 'h1@t1', role: 'device' })
  const upgraded = await storedHashUntil(inventory, (hash) => hash !== before)
  t.is(decodeHash(upgraded)?.scheme, 'hmac-sha256')
  // The upgraded hash takes the same password, and only it.
  t.like(await store.verifyPassword('h1@t1', 'device-secret'), { id: 'h1@t1', role: 'device' })
  t.is(await store.verifyPassword('h1@t1', 'wrong-secret'), null)
  t.is((await inventory.getCredentialByUsername('h1@t1'))?.passwordHash, upgraded, 'a digest is not rewritten')
})

test('the upgrade never overwrites a credential rewritten while the login was checked (compare-and-set)', async (t) => {
  const { inventory } = await setup(t)
  const rotated = hashRandomSecret('new-device-secret')
  // The rotation lands between the broker's read of the old hash and its upgrade write.
  const racing = {
    getCredentialByUsername: async (username: string) => {
      const read = await inventory.getCredentialByUsername(username)
      await inventory.putCredential({ tenantId: 't1', hostId: 'h1', username: 'h1@t1', passwordHash: rotated })
      return read
    },
    replaceCredentialHash: inventory.replaceCredentialHash.bind(inventory),
  }
  let upgrades = 0
  const counted = {
    ...racing,
    replaceCredentialHash: async (...args: Parameters<typeof inventory.replaceCredentialHash>) => {
      const written = await racing.replaceCredentialHash(...args)
      upgrades += 1
      t.false(written, 'the rotated credential is left alone')
      return written
    },
  }
  const store = await createBrokerCredentials({ inventory: counted })
  t.like(await store.verifyPassword('h1@t1', 'device-secret'), { id: 'h1@t1' }, 'the login read the old hash')
  await storedHashUntil(inventory, () => upgrades > 0)
  t.is(upgrades, 1)
  t.is((await inventory.getCredentialByUsername('h1@t1'))?.passwordHash, rotated)
})

test('new device credentials are keyed digests: no scrypt work at a device login', async (t) => {
  const { inventory } = await setup(t)
  await inventory.createHost({ tenantId: 't1', hostId: 'h2' })
  await inventory.putCredential({
    tenantId: 't1',
    hostId: 'h2',
    username: 'h2@t1',
    passwordHash: hashRandomSecret('second-secret'),
  })
  const schemes: string[] = []
  const store = await createBrokerCredentials({
    inventory,
    verify: (hash, password) => {
      schemes.push(hash.scheme)
      return verifyPasswordHash(hash, password)
    },
  })
  t.like(await store.verifyPassword('h2@t1', 'second-secret'), { id: 'h2@t1' })
  t.is(await store.verifyPassword('h2@t1', 'wrong'), null)
  t.is(await store.verifyPassword('h7@t1', 'second-secret'), null, 'an unknown device name')
  t.deepEqual(schemes, ['hmac-sha256', 'hmac-sha256', 'hmac-sha256'])
})

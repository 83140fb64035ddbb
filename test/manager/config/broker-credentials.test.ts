import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { stringify } from 'yaml'
import { hashPassword, verifyPasswordHash } from '../../../broker/auth/password-hash.ts'
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
    passwordHash: await hashPassword('device-secret', CHEAP),
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
      checks.push(hash.params.logN)
      return verifyPasswordHash(hash, password)
    },
  })
  for (const username of ['reader', 'nobody', 'h1@t1', 'h9@t1'])
    t.is(await store.verifyPassword(username, 'wrong'), null, username)
  t.deepEqual(checks, [12, 12, 10, 10])
})

import test, { type ExecutionContext } from 'ava'
import type pg from 'pg'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { InventoryError } from '../../../manager/inventory/errors.ts'
import { openPostgresInventory } from '../../../manager/inventory/postgres/open.ts'
import type { Host, Inventory } from '../../../manager/inventory/port.ts'
import { keyOf } from '../../conformance/inventory-support.ts'
import { pollUntil } from '../../helpers/poll-until.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { waitsOnLock } from '../../helpers/postgres-locks.ts'

/** Bulk desired writes on PostgreSQL: a few statements per thousand hosts, their rows locked in key order. */
const freshDatabase = usePostgres(test)

/**
 * A pool of the test's, ended in its teardown. openPostgresPool listens for errors of idle connections: one the
 * pool is closing may still hear the server's shutdown (57P01) after the test, and an unheard one would throw.
 */
async function poolOf(t: ExecutionContext, url: string, applicationName: string): Promise<pg.Pool> {
  const pool = await openPostgresPool({ url, applicationName, poolSize: 3 })
  t.teardown(() => pool.end())
  return pool
}

const store = async (t: ExecutionContext, url: string, applicationName: string): Promise<Inventory> =>
  openPostgresInventory({ pool: await poolOf(t, url, applicationName) })

test('postgres: bulk desired writes lock their hosts in key order: one waiting for h1 holds no later host, none deadlocks', async (t) => {
  const url = await freshDatabase('bulk-order')
  const [one, two] = [await store(t, url, 'bulk-one'), await store(t, url, 'bulk-two')]
  await one.createTenant({ tenantId: 'acme' })
  const hosts = await one.createHosts(['h1', 'h2', 'h3'].map((hostId) => ({ tenantId: 'acme', hostId })))
  const [h1, h2, h3] = hosts.map(keyOf) as [Host, Host, Host]
  const admin = await poolOf(t, url, 'bulk-admin')
  const waiting = (applicationName: string) => waitsOnLock(admin, applicationName)
  const locker = await admin.connect()
  t.teardown(() => locker.release())
  await locker.query("BEGIN; SELECT 1 FROM hosts WHERE host_id = 'h2' FOR UPDATE")
  const first = one.setDesiredMany({ keys: [h1, h2, h3] }, { desiredState: 'PROVISIONED' })
  await pollUntil(waiting('bulk-one'), 'store one holding h1 and waiting on h2', 30_000)
  // In input order, store two would take h3 first, then wait on h2 while store one waits on h3: a deadlock.
  const second = two.setDesiredMany({ keys: [h3, h2, h1] }, { desiredState: 'UNPROVISIONED' })
  await pollUntil(waiting('bulk-two'), 'store two waiting on h1', 30_000)
  const probe = await admin.connect()
  t.teardown(() => probe.release())
  await probe.query('BEGIN')
  const free = await probe.query("SELECT host_id FROM hosts WHERE host_id = 'h3' FOR UPDATE NOWAIT")
  t.deepEqual(free.rows, [{ host_id: 'h3' }], 'nobody holds h3 while both wait')
  await probe.query('ROLLBACK')
  await locker.query('ROLLBACK')
  const [wrote, then] = await Promise.all([first, second])
  t.deepEqual(
    wrote.map((host) => [host.hostId, host.desiredGeneration]),
    [
      ['h1', 1],
      ['h2', 1],
      ['h3', 1],
    ],
  )
  t.deepEqual(
    then.map((host) => [host.hostId, host.desiredGeneration, host.version]),
    [
      ['h3', 2, 3],
      ['h2', 2, 3],
      ['h1', 2, 3],
    ],
    'the second write waited for the first and applied on top of it',
  )
  t.deepEqual(await one.findHosts([h1, h2, h3]), [...then].reverse())
})

test('postgres: a value the database refuses fails the bulk write as INVALID_INPUT naming the first host; nothing written', async (t) => {
  const inventory = await store(t, await freshDatabase('bulk-refused'), 'bulk-refused')
  await inventory.createTenant({ tenantId: 'acme' })
  const hosts = await inventory.createHosts(['h1', 'h2'].map((hostId) => ({ tenantId: 'acme', hostId })))
  const err = await t.throwsAsync(
    inventory.setDesiredMany({ keys: [hosts[1]!, hosts[0]!] }, { desiredState: 'PROVISIONED', dnsSuffix: 'a\u0000b' }),
    { instanceOf: InventoryError },
  )
  t.like(err, { code: 'INVENTORY_INVALID_INPUT', details: { tenantId: 'acme', hostId: 'h2', index: 0 } })
  t.deepEqual(await inventory.findHosts(hosts), hosts)
})

import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { parseManagerConfig } from '../../../../manager/config/config.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import { openPostgresPool } from '../../../../manager/database/postgres-pool.ts'
import type { HostKey, Inventory } from '../../../../manager/inventory/port.ts'
import { openPostgresInventory } from '../../../../manager/inventory/postgres/open.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import { createAmtPasswordSource } from '../../../../manager/secrets/amt-password-source.ts'
import { openClusterLease } from '../../../../manager/wiring/lease.ts'
import { capable, RecordingOutbound, seedHost, TENANT } from '../../../helpers/manager-core.ts'
import { eventually } from '../../../helpers/manager-mqtt.ts'
import { usePostgres } from '../../../helpers/postgres-server.ts'
import { localStore } from '../../secrets/support.ts'

// The rotation deadline with two managers on one PostgreSQL database, each with its own pool and the real cluster
// lease: only the holder applies it (docs/architecture.md "Leases").

const freshDatabase = usePostgres(test)
const KEY: HostKey = { tenantId: TENANT, hostId: 'h-1' }
const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const MIN = 60_000
const TIMED_OUT = /^ROTATION_TIMED_OUT: /

/** A provisioned host on an rpc v3 agent with V1 stored; two replicas (the first holds the lease) on a moved clock. */
async function twoReplicas(t: ExecutionContext, database: string) {
  const url = await freshDatabase(database)
  let ms = Date.now()
  const now = () => new Date(ms)
  const inventoryPool = await openPostgresPool({ url })
  t.teardown(() => inventoryPool.end())
  const inventory: Inventory = await openPostgresInventory({ pool: inventoryPool })
  const store = await localStore(t)
  const passwords = createAmtPasswordSource({ store, inventory })
  await seedHost(inventory, KEY.hostId, [
    {
      desiredState: 'PROVISIONED',
      currentState: 'PROVISIONED',
      capability: {
        ...{ v: 1, ts: new Date().toISOString(), hostId: KEY.hostId, bootId: 'boot-1', seq: 1 },
        ...capable(),
        rpc: { line: 'v3', version: '3.0.0' },
      },
    },
  ])
  await store.putAmtPassword(KEY, V1)

  const replica = async () => {
    const pool = await openPostgresPool({ url })
    const parsed = parseManagerConfig(
      { database: { engine: 'postgres', postgres: { url, lease: { ttlMs: 120_000, renewMs: 3000 } } } },
      { env: {}, baseDir: '/tmp' },
    )
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
    const metrics = createManagerMetrics(inventory)
    const lease = await openClusterLease(parsed.config, { pool, log: silentLogger(), metrics })
    const outbound = new RecordingOutbound()
    const core = createManagerCore({
      inventory,
      outbound,
      log: silentLogger(),
      metrics,
      now,
      lease,
      secrets: passwords,
      rotator: passwords,
      options: { deadlines: { checkIntervalMs: 20 } },
    })
    t.teardown(async () => {
      await core.stop()
      await lease.stop()
      await pool.end()
    })
    return { core, lease }
  }
  const holder = await replica()
  const other = await replica()
  t.true(holder.lease.held)
  t.false(other.lease.held)
  const audited = async (kind: string) =>
    (await inventory.listAudit(TENANT, { hostId: KEY.hostId, limit: 100 })).filter((event) => event.kind === kind)
  return { inventory, store, holder, other, audited, advance: (by: number) => (ms += by) }
}

test('on PostgreSQL only the replica holding the lease fails an unanswered rotation, once', async (t) => {
  t.timeout(60_000)
  const { inventory, store, holder, other, audited, advance } = await twoReplicas(t, 'rotation')
  const { rotation } = await other.core.rotatePassword(KEY, 'api:alice') // asked through the replica without it
  await holder.core.republishAll() // the holder learns it from its sweep
  holder.core.start()
  other.core.start()
  advance(15 * MIN)
  await eventually(
    async () => (await inventory.getHost(KEY)).rotation?.reverted === true,
    'failed and reverted',
    30_000,
  )
  const stored = await inventory.getHost(KEY)
  t.like(stored.rotation, { id: rotation.id, state: 'failed' })
  t.regex(stored.rotation?.reason ?? '', TIMED_OUT)
  t.is(
    await other.core.checkDeadlines(),
    1,
    'the replica without the lease never checked (a check now finds it settled)',
  )
  t.is((await audited('password.rotation-failed')).length, 1)
  t.is((await audited('password.rotation-reverted')).length, 1)
  t.is((await store.getAmtPasswordHistory(KEY)).length, 3)
})

test('on PostgreSQL the holder times out a rotation asked on another replica at its first check past the deadline, no sweep needed', async (t) => {
  t.timeout(60_000)
  const { inventory, store, holder, other, audited, advance } = await twoReplicas(t, 'rotation_follow')
  const { rotation } = await other.core.rotatePassword(KEY, 'api:alice') // the holder wrote nothing, swept nothing
  t.is(await holder.core.checkDeadlines(), 0, 'not due yet; the check before it read the pending rotation')
  advance(15 * MIN)
  // Each check (every deadlines.checkIntervalMs on the holder) first lists the hosts whose rotation is pending.
  t.is(await holder.core.checkDeadlines(), 1, 'the first check past the deadline applies it')
  const stored = await inventory.getHost(KEY)
  t.like(stored.rotation, { id: rotation.id, state: 'failed', reverted: true })
  t.regex(stored.rotation?.reason ?? '', TIMED_OUT)
  t.is((await audited('password.rotation-failed')).length, 1)
  t.is((await store.getAmtPasswordHistory(KEY)).length, 3, 'the previous password written back once')

  // The same through the holder's timer, which runs only while the lease is held: a second rotation, no sweep.
  const second = await other.core.rotatePassword(KEY, 'api:alice')
  holder.core.start()
  other.core.start()
  advance(15 * MIN)
  await eventually(
    async () => (await inventory.getHost(KEY)).rotation?.reverted === true,
    'the second one failed and reverted by the holder',
    30_000,
  )
  t.like((await inventory.getHost(KEY)).rotation, { id: second.rotation.id, state: 'failed' })
  t.is((await audited('password.rotation-failed')).length, 2)
})

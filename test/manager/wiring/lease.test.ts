import { randomUUID } from 'node:crypto'
import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import { createRegistrationSweep, type RegistrationSweepResult } from '../../../manager/dmt/registration-sweep.ts'
import type { Inventory } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { whileHeld, type Lease } from '../../../manager/ports/lease.ts'
import { CLUSTER_WORK_LEASE, openClusterLease } from '../../../manager/wiring/lease.ts'
import { metricValue } from '../../helpers/manager-core.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'

const freshDatabase = usePostgres(test)
const WAIT_MS = 30_000
const name = CLUSTER_WORK_LEASE

function configOf(database: unknown): ManagerConfig {
  const result = parseManagerConfig({ database }, { env: {}, baseDir: '/tmp' })
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

const noHosts = { countHosts: () => Promise.resolve([]) }

/** Resolves when `lease.held` becomes `held` (at once when it already is). */
const when = (lease: Lease, held: boolean, what: string): Promise<void> =>
  lease.held === held
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)
        const off = lease.onChange((now) => {
          if (now !== held) return
          clearTimeout(timer)
          off()
          resolve()
        })
      })

test('on SQLite the lease is this process alone: held from the start, shown as amt_manager_lease_held 1', async (t) => {
  const metrics = createManagerMetrics(noHosts)
  const lease = await openClusterLease(configOf({ engine: 'sqlite' }), { pool: null, log: silentLogger(), metrics })
  t.true(lease.held)
  t.false(lease.shared)
  t.is(await metricValue(metrics.leaseHeld, { name }), 1)
  let started = 0
  const stop = whileHeld(lease, { start: () => void started++, stop: () => Promise.resolve() }, (err) =>
    t.fail(String(err)),
  )
  t.is(started, 1, 'guarded work starts at once')
  await stop()
  await lease.stop()
  t.is(await metricValue(metrics.leaseHeld, { name }), 0)
})

interface Registered {
  setup: string
  hostId: string
  held: boolean
}

/** A manager-like setup: its own pool, metrics and lease, and the MPS registration sweep guarded by the lease. */
async function setup(t: ExecutionContext, label: string, url: string, inventory: Inventory, mps: Registered[]) {
  const pool = await openPostgresPool({ url })
  const metrics = createManagerMetrics(noHosts)
  const config = configOf({ engine: 'postgres', postgres: { url, lease: { ttlMs: 3000, renewMs: 1000 } } })
  const lease = await openClusterLease(config, { pool, log: silentLogger(), metrics })
  const rounds: RegistrationSweepResult[] = []
  const waiters: Array<() => void> = []
  const sweep = createRegistrationSweep({
    registration: {
      ensureDevice: (host) => {
        mps.push({ setup: label, hostId: host.hostId, held: lease.held })
        return Promise.resolve('registered')
      },
    },
    inventory,
    options: { intervalSeconds: 1, concurrency: 1 },
    log: silentLogger(),
    onSweep: (result) => {
      rounds.push(result)
      for (const wake of waiters.splice(0)) wake()
    },
  })
  const stopSweep = whileHeld(lease, sweep, (err) => t.fail(String(err)))
  const nextRound = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a round of ${label}`)), WAIT_MS)
      waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  t.teardown(async () => {
    await stopSweep()
    await lease.stop()
    await pool.end()
  })
  return { lease, metrics, rounds, nextRound, stopSweep }
}

const held = (metrics: ManagerMetrics) => metricValue(metrics.leaseHeld, { name })
const transitions = (metrics: ManagerMetrics, to: string) => metricValue(metrics.leaseTransitions, { name, to })

test('on PostgreSQL a guarded sweep runs on exactly one of two managers; the other takes it over', async (t) => {
  const url = await freshDatabase('lease')
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  await inventory.createTenant({ tenantId: 'acme' })
  const hostId = randomUUID()
  await inventory.createHost({ tenantId: 'acme', hostId })
  await inventory.updateHost({ tenantId: 'acme', hostId }, { currentState: 'PROVISIONED' })
  const mps: Registered[] = []
  const a = await setup(t, 'a', url, inventory, mps)
  const b = await setup(t, 'b', url, inventory, mps)
  t.true(a.lease.shared)
  t.true(a.lease.held)
  t.false(b.lease.held)
  await a.nextRound()
  t.is(b.rounds.length, 0, 'b has not swept')
  t.deepEqual(await Promise.all([held(a.metrics), held(b.metrics)]), [1, 0])

  // A stops (a clean shutdown): B takes over at its next try and its first round runs at once.
  const taken = when(b.lease, true, 'b to take the lease')
  await a.stopSweep()
  await a.lease.stop()
  await taken
  await b.nextRound()
  t.true(mps.length >= 2)
  t.true(
    mps.every((call) => call.held && call.hostId === hostId),
    'every registration was made while its lease was held',
  )
  t.deepEqual([...new Set(mps.map((call) => call.setup))], ['a', 'b'], 'a first, then b only')
  t.deepEqual(await Promise.all([held(a.metrics), held(b.metrics)]), [0, 1])
  t.deepEqual(await Promise.all([transitions(a.metrics, 'lost'), transitions(b.metrics, 'gained')]), [1, 1])
})

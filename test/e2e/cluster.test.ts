import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { createFleet } from '../../agent/simulate/index.ts'
import { startMosquitto } from '../helpers/mosquitto.ts'
import { usePostgres } from '../helpers/postgres-server.ts'
import { startReplica, withToken, type Replica, type ReplicaSetup } from './support/cluster.ts'
import {
  assertConverged,
  everyFirstReport,
  leaseHolders,
  printLogsOnFailure,
  provisionedCount,
  registerThroughAll,
} from './support/cluster-wave.ts'
import { tempDir, until } from './support/processes.ts'

/**
 * Issue 17's proof at the scale CI can carry: three manager replicas (real processes) on one PostgreSQL database,
 * behind one Mosquitto 2 with shared subscriptions, and a simulated fleet. An activation wave is asked through one
 * replica and watched through another, while a replica is SIGKILLed, then the lease holder, then the broker: every
 * host converges to the wave's generation, the audit holds each transition once, the API answers through the
 * survivors, and the leased work moves to a survivor.
 */

const freshDatabase = usePostgres(test)
const TENANT = 'cluster'
const COUNT = 150
const CLUSTER_TEST_MS = 15 * 60_000
/** One wait on the cluster: replicas, broker and fleet share two loaded cores. */
const STEP_MS = 180_000
const AMT_PASSWORD = 'Cluster-Pa55word!'

test(`cluster: 3 replicas on PostgreSQL + Mosquitto shared subscriptions; ${COUNT} hosts converge through kills of a replica, the lease holder and the broker`, async (t) => {
  t.timeout(CLUSTER_TEST_MS)
  const dir = await tempDir(t, 'amt-cluster-')
  const databaseUrl = await freshDatabase('cluster')
  const broker = await startMosquitto(t, {
    persistence: true,
    extraConfig: ['max_queued_messages 100000', 'log_type error', 'log_type warning', 'log_type notice'],
  })
  const setup: ReplicaSetup = {
    dir,
    config: {
      database: { engine: 'postgres', postgres: { url: databaseUrl, lease: { ttlMs: 6000, renewMs: 1000 } } },
      broker: { external: { url: broker.url, username: 'amt-manager', sharedGroup: 'amt-managers' } },
      passwords: { static: { '*': { amtPasswordEnv: 'CLUSTER_AMT_PASSWORD' } } },
      log: { level: 'info' },
    },
    env: { AMT_MANAGER_BROKER_PASSWORD: 'anonymous-broker', CLUSTER_AMT_PASSWORD: AMT_PASSWORD },
  }
  const first = await startReplica(t, setup, 'replica-1')
  const token = (await readFile(path.join(dir, 'replica-1', 'admin-token'), 'utf8')).trim()
  const replicas = [
    withToken(first, token),
    withToken(await startReplica(t, setup, 'replica-2'), token),
    withToken(await startReplica(t, setup, 'replica-3'), token),
  ]
  const [one, two] = replicas as [Replica, Replica, Replica]
  t.true(
    (await Promise.all(replicas.map((replica) => replica.holdsLease()))).filter(Boolean).length === 1,
    'one replica holds the lease',
  )

  // Registration spread over the replicas: any replica serves any call.
  const hosts = await registerThroughAll(t, replicas, TENANT, COUNT)
  const fleet = createFleet({
    brokerUrl: broker.url,
    hosts,
    // Every rpc call takes 1–8 s (under amtinfo's 10 s limit): the kills below land while many hosts still activate.
    latency: { kind: 'uniform', minMs: 1000, maxMs: 8000 },
    agent: { reconnectMinMs: 100, reconnectMaxMs: 2000, reconcileIntervalMs: 600_000, connectTimeoutMs: 30_000 },
    logLevel: 'silent',
  })
  t.teardown(() => fleet.stop())
  printLogsOnFailure(t, () => replicas)
  await fleet.start()
  await everyFirstReport(two, TENANT, STEP_MS)

  // The wave through replica-1; progress read through replica-2.
  const wave = await one.api('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { desiredAmtState: 'PROVISIONED' })
  t.is(wave.status, 200)
  const capable = new Set(hosts.filter((host) => host.kind !== 'not-capable').map((host) => host.hostId))
  const provisioned = (replica: Replica) => provisionedCount(replica, TENANT)
  const killAt = async (share: number, victim: Replica, survivors: Replica[]) => {
    await until(
      async () => (await provisioned(survivors[0] as Replica)) >= Math.ceil(capable.size * share),
      `${Math.round(share * 100)} % provisioned before killing ${victim.name}`,
      { timeoutMs: STEP_MS },
    )
    victim.child.kill('SIGKILL')
    await victim.child.exited
    t.log(`${victim.name} killed at ${await provisioned(survivors[0] as Replica)} of ${capable.size} provisioned`)
  }
  const holders = () => leaseHolders(replicas)
  // 1) A replica that does not hold the lease.
  const [holder] = await holders()
  const plain = replicas.find((replica) => replica !== holder && replica !== one) as Replica
  await killAt(
    0.2,
    plain,
    replicas.filter((replica) => replica !== plain),
  )
  // 2) The lease holder; the survivor takes the lease over.
  const alive = replicas.filter((replica) => replica !== plain)
  const leaseHolder = (await holders()).find((replica) => replica !== plain) as Replica
  const survivors = alive.filter((replica) => replica !== leaseHolder)
  await killAt(0.5, leaseHolder, survivors)
  const killedHolderAt = performance.now()
  await until(
    async () => (await holders()).length === 1 && survivors.includes((await holders())[0] as Replica),
    'a survivor to take the lease over',
    { timeoutMs: STEP_MS },
  )
  t.log(`lease taken over ${Math.round(performance.now() - killedHolderAt)} ms after its holder was killed`)
  const survivor = survivors[0] as Replica
  // 3) The broker, in the middle of the wave: killed and started again (its persistence keeps retained messages).
  await until(
    async () => (await provisioned(survivor)) >= Math.ceil(capable.size * 0.7),
    '70 % provisioned before the broker restart',
    { timeoutMs: STEP_MS },
  )
  await broker.restart('SIGKILL')

  // The audit: the desired write and the final transition of each host, each once.
  await assertConverged(t, survivor, hosts, STEP_MS)
})

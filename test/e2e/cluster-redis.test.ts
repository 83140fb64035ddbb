import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import test from 'ava'
import { createFleet } from '../../agent/simulate/index.ts'
import { usePostgres } from '../helpers/postgres-server.ts'
import { startRedis } from '../helpers/redis-server.ts'
import { startTcpFront } from '../helpers/tcp-front.ts'
import { startReplica, withToken, type Replica, type ReplicaOwn, type ReplicaSetup } from './support/cluster.ts'
import * as wave from './support/cluster-wave.ts'
import { newCredential, writeCredentialsFile } from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'
import { recordTopics, type Recorded } from './support/topic-recorder.ts'

/**
 * Issue 17's cluster proof on the embedded broker cluster: three `amt-manager serve` processes on one PostgreSQL
 * database, each embedding an aedes instance, the three clustered through one Redis (sessions, retained messages,
 * routing). Devices reach the instances through a TCP front (a Kubernetes Service: round-robin over the live
 * ones), so a killed instance's devices reconnect to a surviving one. A replica's death is its broker instance's
 * death. The wave is asked through one replica and watched through a live other one, while a replica without the
 * lease, then the lease holder, then the last replica never killed are SIGKILLed mid-wave and started again.
 */

const freshDatabase = usePostgres(test)
const TENANT = 'cluster'
const COUNT = 240
const TEST_MS = 220_000
/** One wait on the cluster: three replicas, PostgreSQL, Redis and the fleet share two loaded cores. */
const STEP_MS = 120_000
const AMT_PASSWORD = 'Cluster-Pa55word!'
const LEASE = { ttlMs: 6000, renewMs: 1000 }
/** The broker instances' heartbeat: an instance silent for 3 beats (6 s) is dead, its wills out within 4 more. */
const HEARTBEAT_MS = 2000
/** A survivor holds the lease within ttl (the dead holder's last renewal expires) + one renew round + margin. */
const TAKEOVER_BOUND_MS = LEASE.ttlMs + LEASE.renewMs + 5000

/** Offline presences (last wills) that came after the same boot of the host said online with a newer `seq`. */
function staleWills(messages: readonly Recorded[]): string[] {
  const online = new Map<string, { bootId: unknown; seq: number }>()
  const stale: string[] = []
  for (const { topic, json } of messages) {
    const seq = Number(json?.seq)
    const last = online.get(topic)
    if (json?.online === true) online.set(topic, { bootId: json.bootId, seq })
    else if (last !== undefined && last.bootId === json?.bootId && last.seq > seq) stale.push(`${topic} seq ${seq}`)
  }
  return stale
}

test(`cluster on embedded brokers clustered through Redis: ${COUNT} hosts converge through kills of a replica, the lease holder and the last one`, async (t) => {
  t.timeout(TEST_MS)
  const dir = await tempDir(t, 'amt-cluster-redis-')
  const [databaseUrl, redis] = await Promise.all([freshDatabase('cluster_redis'), startRedis(t)])
  const integrator = newCredential('reader')
  await writeCredentialsFile(path.join(dir, 'integrators.yaml'), [
    { ...integrator, role: 'integrator', tenantId: TENANT },
  ])
  const cluster = { redis: { path: redis.socketPath }, heartbeatMs: HEARTBEAT_MS }
  const own = new Map<string, Required<ReplicaOwn>>()
  const mqttPorts: number[] = []
  for (const name of ['replica-1', 'replica-2', 'replica-3']) {
    const [apiPort, mqttPort] = [await freePort(), await freePort()]
    const tcp = { host: '127.0.0.1', port: mqttPort }
    own.set(name, {
      apiPort,
      broker: { embedded: { tcp, cluster, integratorsFile: path.join(dir, 'integrators.yaml') } },
    })
    mqttPorts.push(mqttPort)
  }
  const front = await startTcpFront(mqttPorts)
  t.teardown(() => front.close())
  const frontUrl = `mqtt://127.0.0.1:${front.port}`
  const setup: ReplicaSetup = {
    dir,
    config: {
      database: { engine: 'postgres', postgres: { url: databaseUrl, lease: LEASE } },
      passwords: { static: { '*': { amtPasswordEnv: 'CLUSTER_AMT_PASSWORD' } } },
      log: { level: 'info' },
    },
    env: { CLUSTER_AMT_PASSWORD: AMT_PASSWORD },
  }
  const start = (name: string) => startReplica(t, setup, name, own.get(name))
  const first = await start('replica-1')
  const token = (await readFile(path.join(dir, 'replica-1', 'admin-token'), 'utf8')).trim()
  const replicas: Replica[] = [
    withToken(first, token),
    withToken(await start('replica-2'), token),
    withToken(await start('replica-3'), token),
  ]
  wave.printLogsOnFailure(t, () => replicas)
  t.is((await wave.leaseHolders(replicas)).length, 1, 'one replica holds the lease')
  // Every presence message, through the front as an integrator (it reconnects when its instance dies).
  const presence = await recordTopics(t, frontUrl, integrator, [`amt/v1/${TENANT}/+/presence`])

  const hosts = await wave.registerThroughAll(t, replicas, TENANT, COUNT)
  const fleet = createFleet({
    brokerUrl: frontUrl,
    hosts,
    // Every rpc call takes 1–8 s (under amtinfo's 10 s limit): the kills below land while many hosts still activate.
    latency: { kind: 'uniform', minMs: 1000, maxMs: 8000 },
    agent: { reconnectMinMs: 100, reconnectMaxMs: 2000, reconcileIntervalMs: 600_000, connectTimeoutMs: 30_000 },
    logLevel: 'silent',
    rampPerSecond: COUNT / 40,
  })
  t.teardown(() => fleet.stop())
  // The fleet comes online over ~40 s (a Service's pods see a rolling stream of connects); the wave is asked once a
  // quarter has reported, so it reaches some devices live (routed across instances) and the rest as retained state.
  const started = fleet.start()
  const asker = replicas[0] as Replica
  await until(
    async () =>
      (await wave.listHosts(replicas[1] as Replica, TENANT)).filter((host) => host.phase !== null).length >= COUNT / 4,
    'a quarter of the fleet reporting, read through replica-2',
    { timeoutMs: STEP_MS },
  )
  t.true(
    [...front.routed.values()].every((connections) => connections > 0),
    `devices on every broker instance: ${JSON.stringify([...front.routed])}`,
  )

  // The wave through replica-1; progress read through a live replica other than the next victim.
  t.is((await asker.api('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { desiredAmtState: 'PROVISIONED' })).status, 200)
  const waveAt = performance.now()
  const since = () => `${((performance.now() - waveAt) / 1000).toFixed(1)} s into the wave`
  const capable = hosts.filter((host) => host.kind !== 'not-capable').length
  const killed = new Set<string>()

  /** GET hosts through every survivor until stopped; every outcome kept ('ok' or what failed). */
  const readThrough = (survivors: readonly Replica[]) => {
    const outcomes: string[] = []
    let reading = true
    const loop = (async () => {
      while (reading) {
        for (const replica of survivors) {
          const outcome = await wave.listHosts(replica, TENANT).then(
            () => 'ok',
            (err: unknown) => `${replica.name}: ${err instanceof Error ? err.message : String(err)}`,
          )
          outcomes.push(outcome)
        }
        await delay(100) // pacing between rounds of reads, not a wait for an event
      }
    })()
    return async () => {
      reading = false
      await loop
      return outcomes
    }
  }

  /** At `share` provisioned: SIGKILL `victim`, wait for the lease holder if it held it, start it again. */
  const killAndRestart = async (share: number, victim: Replica) => {
    const survivors = replicas.filter((replica) => replica !== victim)
    const reader = survivors[0] as Replica
    const wanted = Math.ceil(capable * share)
    await until(
      async () => (await wave.provisionedCount(reader, TENANT)) >= wanted,
      `${Math.round(share * 100)} % provisioned before killing ${victim.name}`,
      { timeoutMs: STEP_MS },
    )
    const heldLease = (await victim.holdsLease()) === true
    const reads = readThrough(survivors)
    victim.child.kill('SIGKILL')
    await victim.child.exited
    const killedAt = performance.now()
    killed.add(victim.name)
    t.log(
      `${victim.name}${heldLease ? ' (lease holder)' : ''} killed at ${await wave.provisionedCount(reader, TENANT)}, ${since()}`,
    )
    // Started again at once; the lease may go to a survivor or to the restarted replica: any live one.
    let back: Replica | null = null
    const restarting = start(victim.name).then((replica) => (back = withToken(replica, token)))
    if (heldLease) {
      const [holder] = await until(
        async () => {
          const holders = await wave.leaseHolders(back === null ? survivors : [...survivors, back])
          return holders.length === 1 ? holders : null
        },
        `a live replica to take the lease over from ${victim.name}`,
        { timeoutMs: STEP_MS },
      )
      const takeoverMs = Math.round(performance.now() - killedAt)
      t.log(`lease taken over by ${holder?.name} ${takeoverMs} ms after ${victim.name} was killed`)
      t.true(takeoverMs <= TAKEOVER_BOUND_MS, `lease takeover ${takeoverMs} ms within ${TAKEOVER_BOUND_MS} ms`)
    }
    replicas[replicas.indexOf(victim)] = await restarting
    t.log(`${victim.name} ready again ${since()}`)
    const outcomes = await reads()
    t.true(outcomes.length > 0, `reads through the survivors while ${victim.name} was away`)
    t.deepEqual(
      outcomes.filter((outcome) => outcome !== 'ok'),
      [],
      `every read through the survivors answered while ${victim.name} was away (${outcomes.length} reads)`,
    )
  }

  // 1) A replica that does not hold the lease (nor asked the wave); 2) the lease holder; 3) the one never killed.
  const [holder] = await wave.leaseHolders(replicas)
  await killAndRestart(0.2, replicas.find((replica) => replica !== holder && replica !== asker) as Replica)
  await killAndRestart(0.5, (await wave.leaseHolders(replicas))[0] as Replica)
  await killAndRestart(0.7, replicas.find((replica) => !killed.has(replica.name)) as Replica)
  await started
  t.log(`connections per broker instance through the front: ${JSON.stringify([...front.routed])}`)

  await wave.assertConverged(t, replicas[1] as Replica, hosts, STEP_MS)
  // Measured, not asserted (docs/replicas.md, "Known: stale wills"): a will that came out after its device said
  // online again (a newer `seq` of the same boot), and retained presences in Redis that say offline at the end.
  // The fixes took it from ~330 such wills a run to 0–4; what is left is not understood yet.
  const retained = await recordTopics(t, frontUrl, integrator, [`amt/v1/${TENANT}/+/presence`])
  await until(() => Promise.resolve(retained.messages.length >= COUNT), 'every retained presence', {
    timeoutMs: STEP_MS,
  })
  const offline = retained.messages.filter((message) => message.json?.online !== true).map((message) => message.topic)
  t.log(`stale wills: ${JSON.stringify(staleWills(presence.messages))}; retained offline: ${JSON.stringify(offline)}`)
  t.log(`converged and audited ${since()}`)
})

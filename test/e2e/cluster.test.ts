import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { createFleet, type HostCredentials, type HostKind } from '../../agent/simulate/index.ts'
import { startMosquitto } from '../helpers/mosquitto.ts'
import { usePostgres } from '../helpers/postgres-server.ts'
import { startReplica, withToken, type Replica, type ReplicaSetup } from './support/cluster.ts'
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

type HostRow = {
  hostId: string
  currentState: string
  phase: string | null
  desiredGeneration: number
  observedGeneration: number
}

const kindOf = (index: number): HostKind => (index % 10 === 9 ? 'not-capable' : index % 10 === 3 ? 'ism' : 'amt')

async function listHosts(replica: Replica): Promise<HostRow[]> {
  const answer = await replica.api('GET', `/api/v1/tenants/${TENANT}/hosts?limit=1000`)
  if (answer.status !== 200) throw new Error(`list hosts on ${replica.name}: HTTP ${answer.status}`)
  return answer.json.hosts as HostRow[]
}

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
  t.is((await one.api('POST', '/api/v1/tenants', { tenantId: TENANT, passwordPolicy: 'static' })).status, 201)
  const hosts: HostCredentials[] = []
  for (let index = 0; index < COUNT; index++) {
    const hostId = `node-${String(index + 1).padStart(3, '0')}`
    const replica = replicas[index % replicas.length] as Replica
    const answer = await replica.api('POST', `/api/v1/tenants/${TENANT}/hosts`, { hostId })
    if (answer.status !== 201) throw new Error(`register ${hostId} on ${replica.name}: HTTP ${answer.status}`)
    const { username, password } = answer.json.mqtt as { username: string; password: string }
    hosts.push({ tenantId: TENANT, hostId, username, password, kind: kindOf(index) })
  }
  const fleet = createFleet({
    brokerUrl: broker.url,
    hosts,
    // Every rpc call takes 1–8 s (under amtinfo's 10 s limit): the kills below land while many hosts still activate.
    latency: { kind: 'uniform', minMs: 1000, maxMs: 8000 },
    agent: { reconnectMinMs: 100, reconnectMaxMs: 2000, reconcileIntervalMs: 600_000, connectTimeoutMs: 30_000 },
    logLevel: 'silent',
  })
  t.teardown(() => fleet.stop())
  t.teardown(() => {
    if (t.passed) return
    for (const replica of replicas) console.error(`--- ${replica.name}:\n${replica.child.output().slice(-4000)}`)
  })
  await fleet.start()
  await until(
    async () => {
      const waiting = (await listHosts(two)).filter((host) => host.phase === null)
      if (waiting.length > 0) throw new Error(`${waiting.length} hosts without a state report`)
      return true
    },
    'every first state report, read through replica-2',
    { timeoutMs: STEP_MS },
  )

  // The wave through replica-1; progress read through replica-2.
  const wave = await one.api('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, { desiredAmtState: 'PROVISIONED' })
  t.is(wave.status, 200)
  const capable = new Set(hosts.filter((host) => host.kind !== 'not-capable').map((host) => host.hostId))
  const provisioned = async (replica: Replica) =>
    (await listHosts(replica)).filter((host) => host.currentState === 'PROVISIONED').length
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
  const holders = async () => {
    const held = await Promise.all(replicas.map(async (replica) => ((await replica.holdsLease()) ? replica : null)))
    return held.filter((replica): replica is Replica => replica !== null)
  }
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

  await until(
    async () => {
      const rows = await listHosts(survivor)
      const misses = rows.filter((host) =>
        capable.has(host.hostId)
          ? !(host.currentState === 'PROVISIONED' && host.observedGeneration === 1)
          : host.phase !== 'NOT_SUPPORTED',
      )
      if (misses.length > 0)
        throw new Error(`${misses.length} not converged, e.g. ${JSON.stringify(misses.slice(0, 3))}`)
      return true
    },
    'every host converged, read through the survivor',
    { timeoutMs: STEP_MS },
  )
  const rows = await listHosts(survivor)
  t.is(rows.length, COUNT)
  t.true(
    rows.every((host) => host.desiredGeneration === 1),
    'one desired generation per host',
  )

  // The audit: the desired write and the PROVISIONED transition of each host, each once.
  for (const host of rows) {
    const answer = await survivor.api('GET', `/api/v1/tenants/${TENANT}/hosts/${host.hostId}/events?limit=1000`)
    const events = answer.json.events as Array<{ kind: string; detail: { phase?: string; from?: string } | null }>
    t.is(events.filter((event) => event.kind === 'desired.set').length, 1, `${host.hostId}: desired.set once`)
    const expected = capable.has(host.hostId) ? 'PROVISIONED' : 'NOT_SUPPORTED'
    const transitions = events.filter(
      (event) => event.kind === 'state' && event.detail?.phase === expected && event.detail.from !== expected,
    )
    t.is(transitions.length, 1, `${host.hostId}: the ${expected} transition once: ${JSON.stringify(events)}`)
  }
})

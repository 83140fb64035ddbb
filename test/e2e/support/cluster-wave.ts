import type { ExecutionContext } from 'ava'
import type { HostCredentials, HostKind } from '../../../agent/simulate/index.ts'
import type { HostRow } from '../../bench/fleet-manager.ts'
import type { Replica } from './cluster.ts'
import { until } from './processes.ts'

/**
 * What both cluster e2e tests (test/e2e/cluster.test.ts on Mosquitto, cluster-redis.test.ts on the embedded brokers
 * clustered through Redis) do with a fleet: register it through every replica, wait for its first reports, count
 * the wave's progress, find the lease holder, and check the end state and the audit.
 */

const kindOf = (index: number): HostKind => (index % 10 === 9 ? 'not-capable' : index % 10 === 3 ? 'ism' : 'amt')

export async function listHosts(replica: Pick<Replica, 'api' | 'name'>, tenantId: string): Promise<HostRow[]> {
  const answer = await replica.api('GET', `/api/v1/tenants/${tenantId}/hosts?limit=1000`)
  if (answer.status !== 200) throw new Error(`list hosts on ${replica.name}: HTTP ${answer.status}`)
  return answer.json.hosts as HostRow[]
}

/** Creates the tenant through the first replica and registers `count` hosts spread over all of them. */
export async function registerThroughAll(
  t: ExecutionContext,
  replicas: readonly Replica[],
  tenantId: string,
  count: number,
): Promise<HostCredentials[]> {
  const first = replicas[0] as Replica
  t.is((await first.api('POST', '/api/v1/tenants', { tenantId, passwordPolicy: 'static' })).status, 201)
  const hosts: HostCredentials[] = []
  for (let index = 0; index < count; index++) {
    const hostId = `node-${String(index + 1).padStart(3, '0')}`
    const replica = replicas[index % replicas.length] as Replica
    const answer = await replica.api('POST', `/api/v1/tenants/${tenantId}/hosts`, { hostId })
    if (answer.status !== 201) throw new Error(`register ${hostId} on ${replica.name}: HTTP ${answer.status}`)
    const { username, password } = answer.json.mqtt as { username: string; password: string }
    hosts.push({ tenantId, hostId, username, password, kind: kindOf(index) })
  }
  return hosts
}

export async function everyFirstReport(reader: Replica, tenantId: string, timeoutMs: number): Promise<void> {
  await until(
    async () => {
      const waiting = (await listHosts(reader, tenantId)).filter((host) => host.phase === null)
      if (waiting.length > 0) throw new Error(`${waiting.length} hosts without a state report`)
      return true
    },
    `every first state report, read through ${reader.name}`,
    { timeoutMs },
  )
}

export async function provisionedCount(reader: Replica, tenantId: string): Promise<number> {
  return (await listHosts(reader, tenantId)).filter((host) => host.currentState === 'PROVISIONED').length
}

/** The replicas whose /metrics say they hold the cluster-work lease. */
export async function leaseHolders(replicas: readonly Replica[]): Promise<Replica[]> {
  const held = await Promise.all(replicas.map(async (replica) => ((await replica.holdsLease()) ? replica : null)))
  return held.filter((replica): replica is Replica => replica !== null)
}

/** Prints each replica's log tail when the test failed (the replicas as they are at teardown: restarts included). */
export function printLogsOnFailure(t: ExecutionContext, replicas: () => readonly Replica[]): void {
  t.teardown(() => {
    if (t.passed) return
    for (const replica of replicas()) console.error(`--- ${replica.name}:\n${replica.child.output().slice(-4000)}`)
  })
}

/**
 * Waits until every capable host is PROVISIONED on generation 1 and every other NOT_SUPPORTED, then checks each
 * host's audit: one `desired.set` and one transition to its final phase.
 */
export async function assertConverged(
  t: ExecutionContext,
  reader: Replica,
  hosts: readonly HostCredentials[],
  timeoutMs: number,
): Promise<void> {
  const tenantId = (hosts[0] as HostCredentials).tenantId
  const capable = new Set(hosts.filter((host) => host.kind !== 'not-capable').map((host) => host.hostId))
  await until(
    async () => {
      const misses = (await listHosts(reader, tenantId)).filter((host) =>
        capable.has(host.hostId)
          ? !(host.currentState === 'PROVISIONED' && host.observedGeneration === 1)
          : host.phase !== 'NOT_SUPPORTED',
      )
      if (misses.length > 0)
        throw new Error(`${misses.length} not converged, e.g. ${JSON.stringify(misses.slice(0, 3))}`)
      return true
    },
    `every host converged, read through ${reader.name}`,
    { timeoutMs },
  )
  const rows = await listHosts(reader, tenantId)
  t.is(rows.length, hosts.length)
  t.true(
    rows.every((host) => host.desiredGeneration === 1),
    'one desired generation per host',
  )
  for (const host of rows) {
    const answer = await reader.api('GET', `/api/v1/tenants/${tenantId}/hosts/${host.hostId}/events?limit=1000`)
    const events = answer.json.events as Array<{ kind: string; detail: { phase?: string; from?: string } | null }>
    t.is(events.filter((event) => event.kind === 'desired.set').length, 1, `${host.hostId}: desired.set once`)
    const expected = capable.has(host.hostId) ? 'PROVISIONED' : 'NOT_SUPPORTED'
    const transitions = events.filter(
      (event) => event.kind === 'state' && event.detail?.phase === expected && event.detail.from !== expected,
    )
    t.is(transitions.length, 1, `${host.hostId}: the ${expected} transition once: ${JSON.stringify(events)}`)
  }
}

/**
 * The connection storm of the fleet benchmark: SIGTERM what the devices connect to, start it again on the same ports
 * and data, while the simulated fleet keeps running; every agent reconnects (its own backoff), republishes, and gets
 * its desired again. With the embedded broker that is the manager (its broker and retained store go with it; the
 * desired come again from the manager's sweep); with a broker cluster, every broker instance (Redis kept: the
 * retained desired and the manager's session stay there).
 */
import { pollUntil, sampleMemory, type MemoryReading } from './fleet-env.ts'
import { listHosts, metricSum, type HostRow, type ManagerProcess, type MetricSample } from './fleet-manager.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'

/** What the storm stops and starts again. */
export interface StormRestart {
  /** SIGTERM; resolves with the time the exit took. */
  stop(): Promise<number>
  /** Starts it again; resolves with the manager to ask from now on and when everything answered ready. */
  start(): Promise<{ manager: ManagerProcess; readyAt: number }>
}

export interface StormFigures {
  /** SIGTERM → the old manager (or every broker) exited. */
  stopMs: number
  /** Restart (spawn) → ready: the manager's /readyz 200 (Inventory open, broker listening, first sweep done), or
   * every broker's /healthz 200. */
  readyMs: number
  /** Restart → every agent received the desired generation Inventory holds. */
  desiredMs: number
  /** Restart → half, and 90 %, of the agents had it (is the storm throughput-bound or a long tail?). */
  desiredHalfMs: number
  desiredNinetyMs: number
  /** Restart → every host has a report newer than the restart in Inventory. */
  republishedMs: number
  /** Hosts that did not get their desired again, or whose report did not reach Inventory, within the time limit. */
  lost: number
  memory: MemoryReading | undefined
  /** CONNECTs the restarted broker refused (or sockets it evicted) before a session, by reason (its counters). */
  refused: Record<string, number>
}

/** Without a wave before (--only storm): every host gets a desired first, so that there is one to re-deliver. */
async function activateAll(manager: ManagerProcess, tenantId: string, hosts: number): Promise<void> {
  const answer = await manager.api('POST', `/api/v1/tenants/${tenantId}/amt/bulk`, { desiredAmtState: 'PROVISIONED' })
  if (answer.status !== 200) throw new Error(`bulk: HTTP ${answer.status}`)
  await pollUntil(
    async () =>
      metricSum(await manager.metrics(), 'amt_manager_hosts', { current_state: 'PROVISIONED' }) >= hosts
        ? true
        : undefined,
    'every host PROVISIONED before the storm',
    300_000,
    200,
  )
}

const refusalsByReason = (samples: readonly MetricSample[]): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const { name, labels, value } of samples)
    if (name === 'amt_broker_connections_refused_total' && value > 0)
      counts[labels.reason ?? '?'] = (counts[labels.reason ?? '?'] ?? 0) + value
  return counts
}

const reportedSince = (rows: readonly HostRow[], since: number): number =>
  rows.filter((host) => host.lastSeen !== null && Date.parse(host.lastSeen) >= since).length

export async function connectionStorm(
  previous: ManagerProcess,
  fleet: FleetUnderTest,
  tenantId: string,
  hosts: number,
  restart: StormRestart,
): Promise<{ manager: ManagerProcess; figures: StormFigures }> {
  if ((await listHosts(previous, tenantId)).some((host) => host.desiredGeneration === 0))
    await activateAll(previous, tenantId, hosts)
  const expected = new Map((await listHosts(previous, tenantId)).map((host) => [host.hostId, host.desiredGeneration]))
  const statesBefore = metricSum(await previous.metrics(), 'amt_manager_messages_total', { leaf: 'state' })
  const stopMs = await restart.stop()
  const restartAt = Date.now()
  await fleet.mark(restartAt, expected)
  const { manager, readyAt } = await restart.start()
  // A manager that kept running (a broker storm) has counted states before: count from what it had.
  const statesBaseline = manager.pid === previous.pid ? statesBefore : 0
  const redelivered = async (): Promise<number> => (await fleet.deliveries()).expected

  // Deliveries as the agents saw them every 250 ms (from the simulator, cheap); the manager's count of state
  // messages (since the restart) every 1 s: a /metrics scrape counts the hosts in SQLite and reads /proc/self/fd
  // (10 000 sockets), which at 4 per second cost the manager ~7 % of its CPU during the storm.
  let desiredAt: number | undefined
  let halfAt: number | undefined
  let ninetyAt: number | undefined
  let statesAt: number | undefined
  let polls = 0
  await pollUntil(
    async () => {
      const count = await redelivered()
      if (halfAt === undefined && count >= hosts / 2) halfAt = Date.now()
      if (ninetyAt === undefined && count >= hosts * 0.9) ninetyAt = Date.now()
      if (desiredAt === undefined && count >= hosts) desiredAt = Date.now()
      if (
        statesAt === undefined &&
        polls++ % 4 === 0 &&
        metricSum(await manager.metrics(), 'amt_manager_messages_total', { leaf: 'state' }) - statesBaseline >= hosts
      )
        statesAt = Date.now()
      return desiredAt !== undefined && statesAt !== undefined ? true : undefined
    },
    'every desired re-delivered and as many states as devices',
    600_000,
    250,
  ).catch(() => undefined)

  // The counter may count a device twice: Inventory says whether every host reported since the restart.
  let attempts = 0
  const verified = await pollUntil(
    async () => {
      attempts++
      const rows = await listHosts(manager, tenantId)
      return reportedSince(rows, restartAt) >= hosts ? rows : undefined
    },
    'a report newer than the restart from every host in Inventory',
    120_000,
    1000,
  ).catch(() => undefined)
  const rows = verified?.value ?? (await listHosts(manager, tenantId))
  const republishedAt = verified === undefined ? Date.now() : attempts === 1 ? (statesAt ?? verified.at) : verified.at
  const lost = hosts - Math.min(reportedSince(rows, restartAt), await redelivered())
  const memory = await sampleMemory(manager.pid)
  const refused = refusalsByReason(await manager.metrics())
  return {
    manager,
    figures: {
      stopMs,
      readyMs: readyAt - restartAt,
      desiredMs: (desiredAt ?? Date.now()) - restartAt,
      desiredHalfMs: (halfAt ?? Date.now()) - restartAt,
      desiredNinetyMs: (ninetyAt ?? Date.now()) - restartAt,
      republishedMs: republishedAt - restartAt,
      lost,
      memory,
      refused,
    },
  }
}

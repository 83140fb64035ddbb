/** The activation wave and the desired → agent latency of the fleet benchmark (fleet-cycle.ts runs them). */
import type { HostCredentials } from '../../agent/simulate/index.ts'
import { delay, memoryOf, percentileOf, pollUntil } from './fleet-env.ts'
import { listHosts, metricSum, type ManagerProcess, type MetricSample } from './fleet-manager.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'
import { processCpuMs } from './machine.ts'

export interface WaveFigures {
  /** The bulk call's answer time (Inventory write of every host). */
  apiMs: number
  /** Bulk call → every agent received its desired. */
  deliveredMs: number
  /** Bulk call → every agent PROVISIONED (agent side). */
  agentsDoneMs: number
  /** Bulk call → every host PROVISIONED in Inventory (/metrics, polled every 250 ms). */
  inventoryDoneMs: number
  perSecond: number
  /** Hosts not PROVISIONED on generation 1 in Inventory at the end. */
  lost: number
  peakMiB: number | undefined
  /**
   * The manager process's CPU (utime + stime) from the bulk call to every host PROVISIONED, ms: what the wave cost
   * it, much less moved by other work on the machine than the wave's wall time.
   */
  managerCpuMs: number | undefined
  /** MQTT messages the manager (the reader) received (by leaf) and published (by leaf) per host during the wave. */
  perHost: { received: Record<string, number>; published: Record<string, number> }
  /** The reader's ingest transactions during the wave and the reports they held on average. */
  ingestBatches: { count: number; meanSize: number }
  /** /metrics scrapes of the reader during the wave (each counts the hosts in Inventory): part of its CPU. */
  scrapes: number
}

export interface LatencyFigures {
  samples: number
  p50: number
  p99: number
  max: number
  /** API call → agent receive (HTTP, Inventory write, publication, delivery). */
  apiP50: number
  apiP99: number
}

/**
 * Every agent of `fleet` reported its first state (its `reported()`) and every host has its first
 * state in Inventory (read through `reader`); throws with the hosts missing and where the manager's log is.
 */
export async function firstReports(wait: {
  reader: Pick<ManagerProcess, 'api' | 'metrics'>
  fleet: Pick<FleetUnderTest, 'reported'>
  hosts: number
  tenantId: string
  rampPerSecond: number
  logFile: string
}): Promise<void> {
  const reportTimeout = (wait.hosts / Math.max(1, wait.rampPerSecond)) * 1000 + 600_000
  await pollUntil(
    async () => ((await wait.fleet.reported()) === wait.hosts ? true : undefined),
    'every agent to report',
    reportTimeout,
    500,
  )
  // Counted from /metrics (amt_manager_hosts{phase}, one Inventory count per scrape): listing 100 000 hosts every
  // round loaded the manager it measured (one run at 100 000 nodes ended on a listing's HTTP 408).
  let failure = ''
  await pollUntil(
    async () => {
      try {
        const reported = metricSum(await wait.reader.metrics(), 'amt_manager_hosts', { phase: 'UNPROVISIONED' })
        return reported >= wait.hosts ? true : undefined
      } catch (err) {
        // A scrape that failed (a loaded machine): the next round asks again; the last failure is reported.
        failure = `; last scrape failed: ${String(err)} (${String((err as { cause?: unknown }).cause)})`
        return undefined
      }
    },
    'every first state in Inventory',
    reportTimeout, // an agent counts as reported once it published; its connection may still be on the way
    500,
  ).catch(async (err: unknown) => {
    const missing = await listHosts(wait.reader, wait.tenantId).then(
      (hosts) => hosts.filter((host) => host.phase !== 'UNPROVISIONED').map((h) => `${h.hostId}:${h.phase ?? 'none'}`),
      () => [],
    )
    throw new Error(
      `${String(err)}; ${missing.length} missing, e.g. ${missing.slice(0, 5).join(' ')}${failure}; ` +
        `manager log kept in ${wait.logFile}`,
    )
  })
}

/**
 * Bulk PROVISIONED for every host through `manager`; done when the Inventory counts every host PROVISIONED, as read
 * through `reader` (another replica of a cluster; by default the same manager).
 */
export async function activationWave(
  manager: ManagerProcess,
  fleet: FleetUnderTest,
  hosts: number,
  tenantId: string,
  reader: ManagerProcess = manager,
): Promise<WaveFigures> {
  const before = await reader.metrics()
  const cpuBefore = await processCpuMs(manager.pid)
  const began = Date.now()
  await fleet.mark(began)
  let agentsDoneAt: number | undefined
  fleet.settled().then(
    (at) => (agentsDoneAt = at),
    () => undefined,
  )
  const answer = await manager.api<{ count: number }>('POST', `/api/v1/tenants/${tenantId}/amt/bulk`, {
    desiredAmtState: 'PROVISIONED',
  })
  const apiMs = Date.now() - began
  if (answer.status !== 200 || answer.json.count !== hosts)
    throw new Error(`bulk: HTTP ${answer.status}, ${JSON.stringify(answer.json).slice(0, 300)}`)
  let deliveredAt: number | undefined
  let scrapes = 0
  const { at: doneAt } = await pollUntil(
    async () => {
      // No host is PROVISIONED in Inventory before its agent got its desired: until every agent has it (counted in
      // the fleet, not in the manager), a scrape could not end the wave and would only load the manager it measures
      // (each one counts the hosts in SQLite and reads /proc/self/fd: ~45 of them in an 11 s wave at 10 000 hosts).
      if (deliveredAt === undefined) {
        if ((await fleet.deliveries()).hosts < hosts) return undefined
        deliveredAt = Date.now()
      }
      scrapes++
      const provisioned = metricSum(await reader.metrics(), 'amt_manager_hosts', { current_state: 'PROVISIONED' })
      return provisioned >= hosts ? provisioned : undefined
    },
    'every host PROVISIONED in Inventory',
    600_000, // an upper bound: a wave on PostgreSQL on a busy machine
    250, // a /metrics scrape counts the hosts in SQLite and reads /proc/self/fd: not more often than this
  )
  const cpuAfter = await processCpuMs(manager.pid)
  const peakMiB = (await memoryOf(manager.pid))?.peakMiB
  const stored = await listHosts(reader, tenantId)
  const lost =
    hosts -
    stored.filter(
      // The wave's generation: the first, or the second on hosts the latency scenario set before it.
      (host) => host.currentState === 'PROVISIONED' && host.observedGeneration === host.desiredGeneration,
    ).length
  await pollUntil(() => agentsDoneAt, 'every agent settled', 60_000)
  const inventoryDoneMs = doneAt - began
  const after = await reader.metrics()
  const batches = metricSum(after, BATCHES_COUNT) - metricSum(before, BATCHES_COUNT)
  const batched = metricSum(after, BATCHES_SUM) - metricSum(before, BATCHES_SUM)
  return {
    perHost: {
      received: perHostByLeaf(before, after, 'amt_manager_messages_total', hosts),
      published: perHostByLeaf(before, after, 'amt_manager_published_total', hosts),
    },
    ingestBatches: { count: batches, meanSize: batches === 0 ? 0 : batched / batches },
    scrapes,
    apiMs,
    deliveredMs: (deliveredAt ?? doneAt) - began,
    agentsDoneMs: (agentsDoneAt ?? doneAt) - began,
    inventoryDoneMs,
    perSecond: hosts / (inventoryDoneMs / 1000),
    lost,
    peakMiB,
    managerCpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
  }
}

const BATCHES_COUNT = 'amt_manager_ingest_batch_size_count'
const BATCHES_SUM = 'amt_manager_ingest_batch_size_sum'

function perHostByLeaf(
  before: readonly MetricSample[],
  after: readonly MetricSample[],
  name: string,
  hosts: number,
): Record<string, number> {
  const leaves = new Set(after.filter((sample) => sample.name === name).map((sample) => sample.labels.leaf ?? ''))
  return Object.fromEntries(
    [...leaves].map((leaf) => [
      leaf,
      Math.round(((metricSum(after, name, { leaf }) - metricSum(before, name, { leaf })) / hosts) * 100) / 100,
    ]),
  )
}

/**
 * One host at a time (spread over the fleet): PATCH desired PROVISIONED, wait until its agent has the new
 * generation. Latency = receive time at the agent − the desired's `ts` (written by the manager when publishing).
 */
export async function desiredLatency(
  manager: ManagerProcess,
  fleet: FleetUnderTest,
  devices: readonly HostCredentials[],
  samples: number,
  /** The desired state each PATCH sets: the one the hosts are in, so that no agent has work beyond receiving it. */
  state: 'PROVISIONED' | 'UNPROVISIONED' = 'PROVISIONED',
): Promise<LatencyFigures> {
  const publishToReceive: number[] = []
  const apiToReceive: number[] = []
  for (let i = 0; i < samples; i++) {
    const device = devices[Math.floor((i * devices.length) / samples) % devices.length]
    if (device === undefined) break
    const called = Date.now()
    const answer = await manager.api<{ desiredGeneration: number }>(
      'PATCH',
      `/api/v1/tenants/${device.tenantId}/hosts/${device.hostId}/amt`,
      { desiredAmtState: state },
    )
    if (answer.status !== 200) throw new Error(`PATCH: HTTP ${answer.status}`)
    const delivery = await fleet.waitFor(device.hostId, answer.json.desiredGeneration, 30_000)
    publishToReceive.push(delivery.receivedAt - delivery.publishedAt)
    apiToReceive.push(delivery.receivedAt - called)
    await delay(5) // separate requests, not a burst: each sample sees an idle pipeline
  }
  return {
    samples: publishToReceive.length,
    p50: percentileOf(publishToReceive, 50),
    p99: percentileOf(publishToReceive, 99),
    max: Math.max(...publishToReceive),
    apiP50: percentileOf(apiToReceive, 50),
    apiP99: percentileOf(apiToReceive, 99),
  }
}

/**
 * What a phase of the cluster benchmark cost (cluster.ts): messages each manager processed (the sum of its
 * `amt_manager_messages_total`: a clustered replica counts only the messages it dispatches, its own devices'), the
 * CPU time (utime + stime from /proc) of each manager process, of the PostgreSQL server (postmaster + backends) and
 * of redis-server, between two snapshots; per message and as a share of one core.
 */
import { processCpuMs, processTreeCpuMs } from './machine.ts'
import { metricSum, type ManagerProcess } from './fleet-manager.ts'

export interface CostSnapshot {
  at: number
  /** Per manager, in replica order. */
  managerCpuMs: number[]
  messages: number[]
  databaseCpuMs: number | undefined
  redisCpuMs: number | undefined
}

/** The processes whose CPU a phase is charged with, besides the managers. */
export interface Servers {
  databasePid?: number | undefined
  redisPid?: number | undefined
}

export async function costSnapshot(managers: readonly ManagerProcess[], servers: Servers): Promise<CostSnapshot> {
  const [messages, managerCpuMs, databaseCpuMs, redisCpuMs] = await Promise.all([
    Promise.all(managers.map(async (manager) => metricSum(await manager.metrics(), 'amt_manager_messages_total'))),
    Promise.all(managers.map(async (manager) => (await processCpuMs(manager.pid)) ?? Number.NaN)),
    servers.databasePid === undefined ? undefined : processTreeCpuMs(servers.databasePid),
    servers.redisPid === undefined ? undefined : processCpuMs(servers.redisPid),
  ])
  return { at: Date.now(), managerCpuMs, messages, databaseCpuMs, redisCpuMs }
}

export interface ReplicaCost {
  messages: number
  cpuMs: number
  /** CPU per message processed, µs. */
  cpuUs: number
}

export interface PhaseCost {
  elapsedMs: number
  /** Messages processed by all managers. */
  messages: number
  perSecond: number
  replicas: ReplicaCost[]
  /** All managers' CPU ÷ all their messages, µs. */
  managersCpuUs: number
  /** All managers' CPU, % of one core. */
  managersCpuPct: number
  databaseCpuUs: number | undefined
  databaseCpuPct: number | undefined
  redisCpuUs: number | undefined
  redisCpuPct: number | undefined
}

export function costBetween(before: CostSnapshot, after: CostSnapshot): PhaseCost {
  const elapsedMs = after.at - before.at
  const replicas = after.messages.map((count, index) => {
    const messages = count - (before.messages[index] ?? 0)
    const cpuMs = (after.managerCpuMs[index] ?? Number.NaN) - (before.managerCpuMs[index] ?? Number.NaN)
    return { messages, cpuMs, cpuUs: (cpuMs * 1000) / messages }
  })
  const messages = replicas.reduce((sum, replica) => sum + replica.messages, 0)
  const managersCpuMs = replicas.reduce((sum, replica) => sum + replica.cpuMs, 0)
  const delta = (from: number | undefined, to: number | undefined): number | undefined =>
    from === undefined || to === undefined ? undefined : to - from
  const database = delta(before.databaseCpuMs, after.databaseCpuMs)
  const redis = delta(before.redisCpuMs, after.redisCpuMs)
  const perMessage = (ms: number | undefined) => (ms === undefined ? undefined : (ms * 1000) / messages)
  const share = (ms: number | undefined) => (ms === undefined ? undefined : (ms / elapsedMs) * 100)
  return {
    elapsedMs,
    messages,
    perSecond: (messages / elapsedMs) * 1000,
    replicas,
    managersCpuUs: (managersCpuMs * 1000) / messages,
    managersCpuPct: (managersCpuMs / elapsedMs) * 100,
    databaseCpuUs: perMessage(database),
    databaseCpuPct: share(database),
    redisCpuUs: perMessage(redis),
    redisCpuPct: share(redis),
  }
}

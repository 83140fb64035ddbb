/**
 * One timed ingest round of the benchmark (ingest.ts) against one or more manager replicas: each replica's broker
 * gets its own publishers child for its share of the hosts (every host on one replica, as with the clustered
 * embedded broker: one connection → one replica), all at once; timed until every replica has handled (stored)
 * every message of its share. CPU: this process (brokers + cores + Inventory clients, process.cpuUsage) and the
 * database server's processes (PostgreSQL), per message.
 */
import { performance } from 'node:perf_hooks'
import type { BenchEngine } from './ingest-engine.ts'
import type { BenchManager } from './ingest-manager.ts'
import type { PublisherJob } from './ingest-publishers.ts'
import { runPublishers, type RawRun } from './ingest-run.ts'

export interface IngestRun extends RawRun {
  avgBatch: number
  /** CPU of this process during the round, % of one core. */
  managerCpuPct: number
  /** CPU of this process per message, µs. */
  managerCpuUs: number
  /** CPU of the database server per message, µs (undefined: in process, already in managerCpuUs). */
  databaseCpuUs: number | undefined
  /** Version conflicts met during the round (each a re-read and a retried batch). */
  conflicts: number
}

type Job = Omit<PublisherJob, 'url' | 'username' | 'password'>

export async function ingestRun(managers: readonly BenchManager[], engine: BenchEngine, job: Job): Promise<IngestRun> {
  const count = managers.length
  const before = await Promise.all(managers.map((manager) => manager.handled()))
  const conflictsBefore = managers.reduce((sum, manager) => sum + manager.conflicts(), 0)
  const databaseBefore = await engine.serverCpuMs()
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const sent = await Promise.all(
    managers.map((manager, index) =>
      runPublishers({
        ...job,
        hostIds: job.hostIds.filter((_, hostIndex) => hostIndex % count === index),
        publishers: Math.max(1, Math.round(job.publishers / count)),
        url: manager.broker.url,
        username: 'bench-fleet',
        password: manager.broker.password,
      }),
    ),
  )
  const shares = managers.map((_, index) => job.hostIds.filter((__, hostIndex) => hostIndex % count === index).length)
  for (const [index, manager] of managers.entries()) {
    const expected = (shares[index] ?? 0) * job.messagesPerHost
    const from = before[index]?.reports ?? 0
    while ((await manager.handled()).reports - from < expected) await new Promise((resolve) => setTimeout(resolve, 5))
    await manager.core.idle()
  }
  const elapsedMs = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const databaseAfter = await engine.serverCpuMs()
  const messages = sent.reduce((sum, n) => sum + n, 0)
  const after = await Promise.all(managers.map((manager) => manager.handled()))
  const batches = after.reduce((sum, now, index) => sum + now.batches - (before[index]?.batches ?? 0), 0)
  const cpuUs = cpu.user + cpu.system
  return {
    messages,
    elapsedMs,
    perSecond: (messages / elapsedMs) * 1000,
    avgBatch: messages / Math.max(1, batches),
    managerCpuPct: (cpuUs / 1000 / elapsedMs) * 100,
    managerCpuUs: cpuUs / messages,
    databaseCpuUs:
      databaseBefore === undefined || databaseAfter === undefined
        ? undefined
        : ((databaseAfter - databaseBefore) * 1000) / messages,
    conflicts: managers.reduce((sum, manager) => sum + manager.conflicts(), 0) - conflictsBefore,
  }
}

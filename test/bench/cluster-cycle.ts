/**
 * One configuration of the cluster benchmark (cluster.ts): its managers (one on SQLite with its plain embedded
 * broker, or N replicas on a fresh PostgreSQL database with brokers clustered on a fresh Redis), a fresh fleet spread
 * round-robin over their brokers, then: connect + first report, the activation wave (asked through replica 1,
 * watched through the last), desired → agent latency (PATCH through replica 1), each with its cost.
 */
import { startRedisServer, type RunningRedis } from '../helpers/redis-server.ts'
import type { RunningPostgres } from '../helpers/postgres-server.ts'
import { costBetween, costSnapshot, type PhaseCost, type Servers } from './cluster-cost.ts'
import { prepareReplicas, startReplicas } from './cluster-replicas.ts'
import {
  prepareManager,
  removeManagerDir,
  type ManagerProcess,
  type ManagerSetup,
  type PreparedManager,
} from './fleet-manager.ts'
import { activationWave, desiredLatency, firstReports } from './fleet-scenarios.ts'
import type { LatencyFigures, WaveFigures } from './fleet-scenarios.ts'
import { createSimFleet, localFleet } from './fleet-sim.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'

export interface Configuration {
  label: string
  engine: 'sqlite' | 'postgres'
  replicas: number
}

export interface ConfigurationOptions extends ManagerSetup {
  configuration: Configuration
  /** The server whose fresh database a postgres configuration takes. */
  postgres: RunningPostgres | undefined
  rampPerSecond: number
  latencySamples: number
  log: (line: string) => void
}

export interface ConfigurationResult {
  configuration: Configuration
  /** Fleet start → every host has its first state in Inventory. */
  connect: PhaseCost
  wave: WaveFigures
  waveCost: PhaseCost
  /** Agents on replica 1's broker (all agents with one replica). */
  latencyLocal: LatencyFigures
  /** Agents on the other replicas' brokers: the desired crosses Redis to their instance. */
  latencyRemote: LatencyFigures | undefined
}

interface Running {
  prepared: PreparedManager[]
  managers: ManagerProcess[]
  fleet?: FleetUnderTest
  redis?: RunningRedis
}

/** What runs now, for the hard time limit's cleanup. */
export const live: { running?: Running } = {}

const seconds = (ms: number): string => (ms / 1000).toFixed(2)
const us = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(0))

export async function runConfiguration(options: ConfigurationOptions): Promise<ConfigurationResult> {
  const { configuration, hosts, tenantId, log } = options
  const running: Running = { prepared: [], managers: [] }
  live.running = running
  let failed = false
  try {
    const servers: Servers = {}
    if (configuration.engine === 'sqlite') running.prepared = [await prepareManager(options)]
    else {
      if (options.postgres === undefined) throw new Error('a postgres configuration without a PostgreSQL server')
      running.redis = await startRedisServer()
      const databaseUrl = await options.postgres.createDatabase(`cluster_${configuration.replicas}`)
      running.prepared = await prepareReplicas({
        ...options,
        replicas: configuration.replicas,
        databaseUrl,
        redisSocket: running.redis.socketPath,
      })
      servers.databasePid = options.postgres.pid
      servers.redisPid = running.redis.pid
    }
    const managers = await startReplicas(running.prepared, (manager) => running.managers.push(manager))
    const [first, last] = [managers[0], managers.at(-1)]
    if (first === undefined || last === undefined) throw new Error('no manager started')
    // One createFleet per replica's broker (round-robin shares), all in this process, sharing one DesiredTracker:
    // a desired published by any replica is timed at whichever agent receives it.
    const groups = running.prepared.map((replica) => ({ brokerUrl: replica.brokerUrl, hosts: replica.devices }))
    const fleet = localFleet(createSimFleet(groups, options.rampPerSecond))
    running.fleet = fleet

    const beforeConnect = await costSnapshot(managers, servers)
    await fleet.start()
    await firstReports({
      reader: last,
      fleet,
      hosts,
      tenantId,
      rampPerSecond: options.rampPerSecond,
      logFile: running.prepared.at(-1)?.logFile ?? '-',
    })
    const connect = costBetween(beforeConnect, await costSnapshot(managers, servers))
    log(`  connect + first report: ${seconds(connect.elapsedMs)} s, ${describeCost(connect)}`)

    const beforeWave = await costSnapshot(managers, servers)
    const wave = await activationWave(first, fleet, hosts, tenantId, last)
    const waveCost = costBetween(beforeWave, await costSnapshot(managers, servers))
    log(
      `  wave: bulk call ${wave.apiMs} ms; desired at every agent ${seconds(wave.deliveredMs)} s; every host PROVISIONED ` +
        `in Inventory ${seconds(wave.inventoryDoneMs)} s (${wave.perSecond.toFixed(0)} activations/s, ` +
        `${((waveCost.messages / wave.inventoryDoneMs) * 1000).toFixed(0)} msg/s processed); lost ${wave.lost}; ` +
        `over ${seconds(waveCost.elapsedMs)} s with its checks: ${describeCost(waveCost)}`,
    )

    const local = running.prepared[0]?.devices ?? []
    const remote = running.prepared.slice(1).flatMap((replica) => replica.devices)
    const share = remote.length === 0 ? options.latencySamples : Math.round(options.latencySamples / 2)
    const latencyLocal = await desiredLatency(first, fleet, local, share)
    const latencyRemote = remote.length === 0 ? undefined : await desiredLatency(first, fleet, remote, share)
    log(
      `  latency (PATCH through replica 1): desired publish → agent on its broker p50 ${latencyLocal.p50} ms, ` +
        `p99 ${latencyLocal.p99} ms (${latencyLocal.samples}); ` +
        (latencyRemote === undefined
          ? ''
          : `on another replica's broker p50 ${latencyRemote.p50} ms, p99 ${latencyRemote.p99} ms (${latencyRemote.samples}); `) +
        `API call → agent p50 ${latencyLocal.apiP50}${latencyRemote ? `/${latencyRemote.apiP50}` : ''} ms`,
    )
    return { configuration, connect, wave, waveCost, latencyLocal, latencyRemote }
  } catch (err) {
    failed = true
    console.error(
      `configuration ${configuration.label} failed; its files are kept in ${running.prepared[0]?.dir ?? '-'}`,
    )
    throw err
  } finally {
    await stopConfiguration(running, !failed)
  }
}

function describeCost(cost: PhaseCost): string {
  const perReplica = cost.replicas.map((replica) => `${replica.messages} msgs ${us(replica.cpuUs)} µs`).join(', ')
  return (
    `${cost.messages} messages processed (${cost.perSecond.toFixed(0)}/s); CPU per message: managers ` +
    `${us(cost.managersCpuUs)} µs (${perReplica}; ${cost.managersCpuPct.toFixed(0)} % of a core), PostgreSQL ` +
    `${us(cost.databaseCpuUs)} µs (${cost.databaseCpuPct?.toFixed(0) ?? '-'} %), Redis ${us(cost.redisCpuUs)} µs ` +
    `(${cost.redisCpuPct?.toFixed(0) ?? '-'} %)`
  )
}

/** Fleet, managers (last first), Redis; the temp dir too unless `removeFiles` is false (kept for a look). */
export async function stopConfiguration(running: Running, removeFiles = true): Promise<void> {
  await running.fleet?.stop()
  for (const manager of [...running.managers].reverse()) await manager.stop()
  await running.redis?.stop()
  const [prepared] = running.prepared
  if (removeFiles && prepared) await removeManagerDir(prepared)
  live.running = undefined
}

/**
 * One measurement cycle of the fleet benchmark at one fleet size: seed, start the brokers of a cluster (when the
 * topology has them) and the manager (child processes), ramp the simulated fleet up (this process, or simulator
 * child processes), then memory, activation wave, desired latency, connection storm, as asked.
 */
import { delay, everyHalfMinute, sampleMemory, type MemoryReading } from './fleet-env.ts'
import { connectProgress, cpuOfEach, waveProgress } from './fleet-progress.ts'
import {
  metricSum,
  prepareManager,
  removeManagerDir,
  startManager,
  type ManagerProcess,
  type ManagerSetup,
  type PreparedManager,
} from './fleet-manager.ts'
import {
  activationWave,
  desiredLatency,
  firstReports,
  type LatencyFigures,
  type WaveFigures,
} from './fleet-scenarios.ts'
import { createSimFleet, localFleet, simGroups } from './fleet-sim.ts'
import { startSimProcesses } from './fleet-sim-processes.ts'
import { connectionStorm, type StormFigures, type StormRestart } from './fleet-storm.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'
import { embeddedTopology, type Topology } from './fleet-topology.ts'

export type Scenario = 'memory' | 'wave' | 'latency' | 'storm'
/** In this order: the latency before the wave, so that a wave the machine cannot finish still leaves it measured. */
export const SCENARIOS: readonly Scenario[] = ['memory', 'latency', 'wave', 'storm']

export interface CycleOptions extends Omit<ManagerSetup, 'externalBroker'> {
  /** Brokers besides the manager (a cluster); undefined: the manager's embedded broker. */
  topology?: Topology
  /** Simulator child processes; 0: the fleet runs in this process. */
  simProcesses: number
  /** Agents started per second, the whole fleet. */
  rampPerSecond: number
  /** The simulated agents' log level (fleet-sim.ts). */
  simLogLevel: string
  scenarios: ReadonlySet<Scenario>
  latencySamples: number
  /** Idle time before the idle memory is sampled (V8 shrinks its heap only some seconds after the work stopped). */
  idleMs: number
  log: (line: string) => void
}

export interface CycleResult {
  hosts: number
  /** Fleet start → every agent connected and its first state in Inventory. */
  connectMs: number
  /** The manager with every host in Inventory and no device connected yet. */
  baseMemory?: MemoryReading
  idleMemory?: MemoryReading
  /** With every device connected and idle: the topology's other processes (brokers, Redis), and the simulators. */
  othersIdle?: ProcessMemory[]
  simulatorsIdle?: ProcessMemory[]
  wave?: WaveFigures
  latency?: LatencyFigures
  storm?: StormFigures
}

export interface ProcessMemory {
  name: string
  memory: MemoryReading | undefined
}

export interface Running {
  prepared: PreparedManager
  manager: ManagerProcess
  sim: FleetUnderTest
  topology: Topology
}

/** Everything started so far, for the hard time limit's cleanup. */
export const live: { running?: Partial<Running> } = {}

const seconds = (ms: number): string => (ms / 1000).toFixed(2)

export async function runCycle(options: CycleOptions): Promise<CycleResult> {
  const { hosts, tenantId, log } = options
  const topology = options.topology ?? embeddedTopology()
  const prepared = await prepareManager({ ...options, ...topology.managerSetup })
  live.running = { prepared, topology }
  let manager = await topology
    .start(prepared)
    .then(() => startManager(prepared))
    .catch(async (err: unknown) => {
      await topology.close() // the brokers and Redis; the files stay for a look
      console.error(`cycle failed; its files are kept in ${prepared.dir}`)
      throw err
    })
  live.running = { prepared, topology, manager }
  const baseMemory = options.scenarios.has('memory') ? await sampleMemory(manager.pid, 3) : undefined
  const baseHeap = options.scenarios.has('memory') ? await heapOf(manager) : undefined
  const urlOf = (index: number): string => topology.brokerUrl(index) ?? prepared.brokerUrl
  const sim =
    options.simProcesses > 0
      ? startSimProcesses(prepared.devices, urlOf, options.simProcesses, options.rampPerSecond, options.simLogLevel)
      : localFleet(
          createSimFleet(simGroups(prepared.devices, urlOf), options.rampPerSecond, { logLevel: options.simLogLevel }),
        )
  live.running = { prepared, topology, manager, sim }
  let failed = false
  try {
    const began = Date.now()
    const stopTicker = everyHalfMinute('connect', () => connectProgress(manager, sim, topology))
    try {
      await sim.start()
      await firstReports({
        reader: manager,
        fleet: sim,
        hosts,
        tenantId,
        rampPerSecond: options.rampPerSecond,
        logFile: prepared.logFile,
      })
    } finally {
      stopTicker()
    }
    const result: CycleResult = { hosts, connectMs: Date.now() - began, ...(baseMemory ? { baseMemory } : {}) }
    log(`  ${hosts} agents connected and reported in ${seconds(result.connectMs)} s (ramp ${options.rampPerSecond}/s)`)
    log(`  connect: ${await connectProgress(manager, sim, topology)}`)
    log(`  connect: CPU used since start: ${await cpuOfEach(manager, sim, topology)}`)

    if (options.scenarios.has('memory')) {
      await delay(options.idleMs)
      result.idleMemory = await sampleMemory(manager.pid)
      result.othersIdle = await sampleEach(topology.processes())
      result.simulatorsIdle = await sampleEach(sim.processes?.() ?? [])
      const heap = await heapOf(manager)
      log(
        `  memory: manager RSS ${baseMemory?.rssMiB.toFixed(0) ?? '-'} MiB with ${hosts} hosts and no device connected; ` +
          `${result.idleMemory?.rssMiB.toFixed(0) ?? '-'} MiB with ${hosts} connected, idle for ${options.idleMs / 1000} s (peak so far ${result.idleMemory?.peakMiB.toFixed(0) ?? '-'} MiB); ` +
          `V8 heap used ${heap.usedMiB.toFixed(0)} of ${heap.totalMiB.toFixed(0)} MiB, external ${heap.externalMiB.toFixed(0)} MiB; ` +
          `per connected node over the base ${perNodeKB(result)?.toFixed(1) ?? '-'} kB; ` +
          `V8 heap used at the base ${baseHeap?.usedMiB.toFixed(0) ?? '-'} MiB, per node over it ${
            baseHeap === undefined ? '-' : (((heap.usedMiB - baseHeap.usedMiB) * 1024 * 1024) / hosts / 1000).toFixed(1)
          } kB (RSS follows the heap V8 keeps, heap used what lives; a loaded machine delays the GC that shrinks both)`,
      )
      for (const [what, list] of [
        ['others', result.othersIdle],
        ['simulators', result.simulatorsIdle],
      ] as const)
        if (list.length > 0) log(`  memory, ${what}: ${describeMemory(list)}`)
    }
    if (options.scenarios.has('latency')) {
      // Before the wave every host is UNPROVISIONED: desired UNPROVISIONED is delivered and needs no work.
      const latency = await desiredLatency(manager, sim, prepared.devices, options.latencySamples, 'UNPROVISIONED')
      result.latency = latency
      log(
        `  latency: desired publish → agent p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; API call → agent p50 ${latency.apiP50} ms, p99 ${latency.apiP99} ms (${latency.samples} samples)`,
      )
    }
    if (options.scenarios.has('wave')) {
      const stopWaveTicker = everyHalfMinute('wave', () => waveProgress(manager, sim, topology))
      const wave = await activationWave(manager, sim, hosts, tenantId).finally(stopWaveTicker)
      result.wave = wave
      log(
        `  wave: bulk call ${wave.apiMs} ms; desired at every agent ${seconds(wave.deliveredMs)} s; every agent PROVISIONED ${seconds(wave.agentsDoneMs)} s; ` +
          `every host PROVISIONED in Inventory ${seconds(wave.inventoryDoneMs)} s (${wave.perSecond.toFixed(0)} activations/s); lost ${wave.lost}; manager peak RSS ${wave.peakMiB?.toFixed(0) ?? '-'} MiB; ` +
          `manager CPU ${wave.managerCpuMs === undefined ? '-' : seconds(wave.managerCpuMs)} s (${wave.managerCpuMs === undefined ? '-' : ((wave.managerCpuMs * 1000) / hosts).toFixed(0)} µs per host)`,
      )
      log(
        `  wave: per host the manager received ${JSON.stringify(wave.perHost.received)} and published ${JSON.stringify(wave.perHost.published)}; ` +
          `${wave.ingestBatches.count} ingest transactions of ${wave.ingestBatches.meanSize.toFixed(1)} reports on average; ${wave.scrapes} /metrics scrapes by the benchmark`,
      )
    }
    if (options.scenarios.has('storm')) {
      const restart: StormRestart = topology.restart?.(manager) ?? {
        stop: () => manager.stop(),
        start: async () => {
          manager = await startManager(prepared)
          live.running = { prepared, topology, manager, sim }
          return { manager, readyAt: manager.readyAt }
        },
      }
      const storm = await connectionStorm(manager, sim, tenantId, hosts, restart)
      manager = storm.manager
      live.running = { prepared, topology, manager, sim }
      const figures = storm.figures
      result.storm = figures
      log(
        `  storm: ${topology.restarted} stopped in ${seconds(figures.stopMs)} s; after the restart: ready ${seconds(figures.readyMs)} s, desired re-delivered to 50 % ${seconds(figures.desiredHalfMs)} s, ` +
          `90 % ${seconds(figures.desiredNinetyMs)} s, all ${seconds(figures.desiredMs)} s, ` +
          `every device republished ${seconds(figures.republishedMs)} s (goal at 10 000 devices: ≤ 10 s, zero lost); lost ${figures.lost}; ` +
          `refused before a session: ${describeRefusals(figures.refused)}; manager RSS ${figures.memory?.rssMiB.toFixed(0) ?? '-'} MiB (peak ${figures.memory?.peakMiB.toFixed(0) ?? '-'} MiB)`,
      )
      log(
        `  storm: CPU used since start (a restarted process: since its restart): ${await cpuOfEach(manager, sim, topology)}`,
      )
    }
    return result
  } catch (err) {
    failed = true
    console.error(`cycle failed; its files are kept in ${prepared.dir}`)
    throw err
  } finally {
    await stopAll({ ...(failed ? {} : { prepared }), topology, manager, sim })
  }
}

/** (idle RSS with every node connected − RSS before any connected) per node, kB (1000 bytes); see GOALS.memoryPerNode. */
export function perNodeKB(result: CycleResult): number | undefined {
  const { baseMemory, idleMemory, hosts } = result
  if (baseMemory === undefined || idleMemory === undefined) return undefined
  return ((idleMemory.rssMiB - baseMemory.rssMiB) * 1024 * 1024) / hosts / 1000
}

const describeRefusals = (refused: Readonly<Record<string, number>>): string =>
  Object.entries(refused)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ') || 'none'

async function sampleEach(processes: ReadonlyArray<{ name: string; pid: number }>): Promise<ProcessMemory[]> {
  return Promise.all(processes.map(async ({ name, pid }) => ({ name, memory: await sampleMemory(pid) })))
}

const describeMemory = (list: readonly ProcessMemory[]): string =>
  list
    .map(
      ({ name, memory }) =>
        `${name} ${memory?.rssMiB.toFixed(0) ?? '-'} MiB (peak ${memory?.peakMiB.toFixed(0) ?? '-'})`,
    )
    .join(', ')

export async function stopAll(running: Partial<Running>): Promise<void> {
  await running.sim?.stop()
  await running.manager?.stop()
  await running.topology?.close()
  if (running.prepared) await removeManagerDir(running.prepared)
  live.running = undefined
}

/** The manager's V8 heap from its /metrics (prom-client's process metrics): what of the RSS is JavaScript. */
async function heapOf(manager: ManagerProcess): Promise<{ usedMiB: number; totalMiB: number; externalMiB: number }> {
  const samples = await manager.metrics()
  const mib = (name: string) => metricSum(samples, name) / 1024 / 1024
  return {
    usedMiB: mib('nodejs_heap_size_used_bytes'),
    totalMiB: mib('nodejs_heap_size_total_bytes'),
    externalMiB: mib('nodejs_external_memory_bytes'),
  }
}

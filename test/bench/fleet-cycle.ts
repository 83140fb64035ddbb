/**
 * One measurement cycle of the fleet benchmark at one fleet size: seed, start the manager (child process), ramp the
 * simulated fleet up (this process), then memory, activation wave, desired latency, connection storm, as asked.
 */
import { delay, sampleMemory, type MemoryReading } from './fleet-env.ts'
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
import { createSimFleet, type SimFleet } from './fleet-sim.ts'
import { connectionStorm, type StormFigures } from './fleet-storm.ts'

export type Scenario = 'memory' | 'wave' | 'latency' | 'storm'
export const SCENARIOS: readonly Scenario[] = ['memory', 'wave', 'latency', 'storm']

export interface CycleOptions extends ManagerSetup {
  rampPerSecond: number
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
  wave?: WaveFigures
  latency?: LatencyFigures
  storm?: StormFigures
}

export interface Running {
  prepared: PreparedManager
  manager: ManagerProcess
  sim: SimFleet
}

/** Everything started so far, for the hard time limit's cleanup. */
export const live: { running?: Partial<Running> } = {}

const seconds = (ms: number): string => (ms / 1000).toFixed(2)

export async function runCycle(options: CycleOptions): Promise<CycleResult> {
  const { hosts, tenantId, log } = options
  const prepared = await prepareManager(options)
  live.running = { prepared }
  let manager = await startManager(prepared)
  live.running = { prepared, manager }
  const baseMemory = options.scenarios.has('memory') ? await sampleMemory(manager.pid, 3) : undefined
  const sim = createSimFleet(prepared.brokerUrl, prepared.devices, options.rampPerSecond)
  live.running = { prepared, manager, sim }
  let failed = false
  try {
    const began = Date.now()
    await sim.fleet.start()
    await firstReports({
      reader: manager,
      reported: () => sim.fleet.progress().phases.UNPROVISIONED,
      hosts,
      tenantId,
      rampPerSecond: options.rampPerSecond,
      logFile: prepared.logFile,
    })
    const result: CycleResult = { hosts, connectMs: Date.now() - began, ...(baseMemory ? { baseMemory } : {}) }
    log(`  ${hosts} agents connected and reported in ${seconds(result.connectMs)} s (ramp ${options.rampPerSecond}/s)`)

    if (options.scenarios.has('memory')) {
      await delay(options.idleMs)
      result.idleMemory = await sampleMemory(manager.pid)
      const heap = await heapOf(manager)
      log(
        `  memory: manager RSS ${baseMemory?.rssMiB.toFixed(0) ?? '-'} MiB with ${hosts} hosts and no device connected; ` +
          `${result.idleMemory?.rssMiB.toFixed(0) ?? '-'} MiB with ${hosts} connected, idle for ${options.idleMs / 1000} s (peak so far ${result.idleMemory?.peakMiB.toFixed(0) ?? '-'} MiB); ` +
          `V8 heap used ${heap.usedMiB.toFixed(0)} of ${heap.totalMiB.toFixed(0)} MiB, external ${heap.externalMiB.toFixed(0)} MiB`,
      )
    }
    if (options.scenarios.has('wave')) {
      const wave = await activationWave(manager, sim, hosts, tenantId)
      result.wave = wave
      log(
        `  wave: bulk call ${wave.apiMs} ms; desired at every agent ${seconds(wave.deliveredMs)} s; every agent PROVISIONED ${seconds(wave.agentsDoneMs)} s; ` +
          `every host PROVISIONED in Inventory ${seconds(wave.inventoryDoneMs)} s (${wave.perSecond.toFixed(0)} activations/s); lost ${wave.lost}; manager peak RSS ${wave.peakMiB?.toFixed(0) ?? '-'} MiB`,
      )
      log(
        `  wave: per host the manager received ${JSON.stringify(wave.perHost.received)} and published ${JSON.stringify(wave.perHost.published)}`,
      )
    }
    if (options.scenarios.has('latency')) {
      const latency = await desiredLatency(manager, sim, prepared.devices, options.latencySamples)
      result.latency = latency
      log(
        `  latency: desired publish → agent p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; API call → agent p50 ${latency.apiP50} ms, p99 ${latency.apiP99} ms (${latency.samples} samples)`,
      )
    }
    if (options.scenarios.has('storm')) {
      const storm = await connectionStorm(manager, sim, prepared, hosts, (restarted) => {
        manager = restarted
        live.running = { prepared, manager, sim }
      })
      manager = storm.manager
      live.running = { prepared, manager, sim }
      const figures = storm.figures
      result.storm = figures
      log(
        `  storm: old manager stopped in ${seconds(figures.stopMs)} s; after the restart: ready ${seconds(figures.readyMs)} s, desired re-delivered to 50 % ${seconds(figures.desiredHalfMs)} s, ` +
          `90 % ${seconds(figures.desiredNinetyMs)} s, all ${seconds(figures.desiredMs)} s, ` +
          `every device republished ${seconds(figures.republishedMs)} s; lost ${figures.lost}; manager RSS ${figures.memory?.rssMiB.toFixed(0) ?? '-'} MiB (peak ${figures.memory?.peakMiB.toFixed(0) ?? '-'} MiB)`,
      )
    }
    return result
  } catch (err) {
    failed = true
    console.error(`cycle failed; its files are kept in ${prepared.dir}`)
    throw err
  } finally {
    await stopAll({ ...(failed ? {} : { prepared }), manager, sim })
  }
}

export async function stopAll(running: Partial<Running>): Promise<void> {
  await running.sim?.fleet.stop()
  await running.manager?.stop()
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

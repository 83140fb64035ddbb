/**
 * The simulated fleet of the fleet benchmarks, in the process that runs it (the benchmark's own, or one of its
 * simulator children, fleet-sim-child.ts): one createFleet per broker the hosts connect to, and a tracker that times
 * each `desired` an agent receives against the `ts` the manager wrote into it when publishing (same machine, same
 * wall clock: Date.now() in every process).
 */
import {
  createFleet,
  type Fleet,
  type FleetOptions,
  type HostCredentials,
  type AgentTuning,
} from '../../agent/simulate/index.ts'
import { RECONNECT_DEFAULTS } from '../../agent/config-schema.ts'
import { createLogger } from '../../lib/log.ts'
import { DesiredTracker } from './fleet-desired-tracker.ts'
import { watchSimHealth } from './fleet-sim-health.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'

/** Hosts that connect to one broker. */
export interface SimGroup {
  brokerUrl: string
  hosts: readonly HostCredentials[]
}

export interface SimFleet {
  fleets: Fleet[]
  tracker: DesiredTracker
}

export interface SimFleetOptions {
  tuning?: Partial<AgentTuning>
  /** Injected failures (the simulator's `failures`); default none. */
  failures?: FleetOptions['failures']
  /** Shared by the fleets of one benchmark that connect to different brokers (a cluster's replicas). */
  tracker?: DesiredTracker
  /** The agents' log level, to stderr; default error (`warn` shows each agent's connection trouble). */
  logLevel?: string
}

/**
 * Zero-latency simulated rpc, no injected failures unless asked. The agents reconnect as a node's agent does by default
 * (RECONNECT_DEFAULTS: from 0.5 s, within a 5 s window while the broker is unreachable, wider when it is busy), and reconcile on their own every 10 min (so the periodic pass does not add load here).
 * `rampPerSecond` is the whole process's rate, shared by its groups.
 */
export function createSimFleet(
  groups: readonly SimGroup[],
  rampPerSecond: number,
  { tuning = {}, failures, tracker = new DesiredTracker(), logLevel = 'error' }: SimFleetOptions = {},
): SimFleet {
  // error, not warn: during the storm every agent would log its refused reconnects (measurement noise here).
  const log = createLogger({ name: 'amt-simulate', level: logLevel })
  const fleets = groups.map(({ brokerUrl, hosts }) =>
    createFleet({
      brokerUrl,
      hosts,
      seed: 1,
      latency: { kind: 'zero' },
      ...(failures === undefined ? {} : { failures }),
      rampPerSecond: rampPerSecond / groups.length,
      agent: { reconcileIntervalMs: 600_000, ...RECONNECT_DEFAULTS, ...tuning },
      log,
      onInbound: (_host, message) => tracker.onInbound(message),
    }),
  )
  return { fleets, tracker }
}

/** The fleet as the scenarios see it (FleetUnderTest), in this process. */
export function localFleet(sim: SimFleet): FleetUnderTest {
  let expected: ReadonlyMap<string, number> = new Map()
  const health = watchSimHealth()
  const sum = (count: (fleet: Fleet) => number): number => sim.fleets.reduce((total, fleet) => total + count(fleet), 0)
  return {
    start: async () => {
      await Promise.all(sim.fleets.map((fleet) => fleet.start()))
    },
    reported: () => Promise.resolve(sum((fleet) => fleet.progress().phases.UNPROVISIONED)),
    mark: (at, generations) => {
      sim.tracker.mark(at)
      expected = generations ?? new Map()
      return Promise.resolve()
    },
    deliveries: () => {
      const delivered = [...sim.tracker.deliveredSince().values()]
      const matching = delivered.filter((delivery) => delivery.generation === expected.get(delivery.hostId)).length
      return Promise.resolve({ hosts: delivered.length, expected: matching })
    },
    waitFor: (hostId, generation, timeoutMs) => sim.tracker.waitFor(hostId, generation, timeoutMs),
    settled: async () => {
      await Promise.all(sim.fleets.map((fleet) => fleet.settled()))
      return Date.now()
    },
    stop: async () => {
      await Promise.all(sim.fleets.map((fleet) => fleet.stop()))
    },
    health: () => Promise.resolve([health()]),
  }
}

/** The hosts of devices[from, to) grouped by the broker each connects to (`brokerUrlOf` its index in devices). */
export function simGroups(
  devices: readonly HostCredentials[],
  brokerUrlOf: (index: number) => string,
  includes: (index: number) => boolean = () => true,
): SimGroup[] {
  const groups = new Map<string, HostCredentials[]>()
  for (let index = 0; index < devices.length; index++) {
    const device = devices[index]
    if (device === undefined || !includes(index)) continue
    const url = brokerUrlOf(index)
    const group = groups.get(url)
    if (group) group.push(device)
    else groups.set(url, [device])
  }
  return [...groups].map(([brokerUrl, hosts]) => ({ brokerUrl, hosts }))
}

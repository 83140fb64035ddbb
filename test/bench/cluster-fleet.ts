/**
 * The simulated fleet of the cluster benchmark (cluster.ts): one createFleet per replica, each connecting its
 * share of the devices to that replica's broker (round-robin over the replicas), all in this process and sharing one
 * DesiredTracker, so a desired published by any replica is timed at whichever agent receives it.
 */
import { DesiredTracker } from './fleet-desired-tracker.ts'
import type { PreparedManager } from './fleet-manager.ts'
import { createSimFleet, type SimFleet } from './fleet-sim.ts'

export interface ClusterFleet {
  tracker: DesiredTracker
  fleet: {
    /** Starts every part at once, each at its share of the ramp; resolves when every agent is started. */
    start(): Promise<void>
    stop(): Promise<void>
    /** Resolves once every host of every part has settled. */
    settled(): Promise<unknown>
  }
  /** Agents that reported their first state (phase UNPROVISIONED), over all parts. */
  reported(): number
}

export function createClusterFleet(replicas: readonly PreparedManager[], rampPerSecond: number): ClusterFleet {
  const tracker = new DesiredTracker()
  const parts: SimFleet[] = replicas.map((replica) =>
    createSimFleet(replica.brokerUrl, replica.devices, rampPerSecond / replicas.length, {}, tracker),
  )
  return {
    tracker,
    fleet: {
      start: async () => {
        await Promise.all(parts.map((part) => part.fleet.start()))
      },
      stop: async () => {
        await Promise.all(parts.map((part) => part.fleet.stop()))
      },
      settled: () => Promise.all(parts.map((part) => part.fleet.settled())),
    },
    reported: () => parts.reduce((sum, part) => sum + part.fleet.progress().phases.UNPROVISIONED, 0),
  }
}

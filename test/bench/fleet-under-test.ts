import type { Delivery } from './fleet-desired-tracker.ts'
import type { SimHealth } from './fleet-sim-health.ts'

/**
 * What the fleet benchmark's scenarios see of the simulated fleet: in the benchmark's own process (fleet-sim.ts,
 * localFleet) or spread over simulator child processes (fleet-sim-processes.ts). Times are Date.now() of the
 * process that saw the event: one machine, one clock.
 */
export interface FleetUnderTest {
  /** Starts every agent at the ramp rate; resolves once all are started (not yet connected). */
  start(): Promise<void>
  /** Agents whose last report says UNPROVISIONED (connected, first state sent). */
  reported(): Promise<number>
  /** Starts a new count of delivered desireds from `at`; `expected`: the generation each host should get. */
  mark(at: number, expected?: ReadonlyMap<string, number>): Promise<void>
  /** Since mark(): hosts that got a desired, and those whose last one has the expected generation. */
  deliveries(): Promise<{ hosts: number; expected: number }>
  /** The first delivery to `hostId` of `generation` or newer. */
  waitFor(hostId: string, generation: number, timeoutMs: number): Promise<Delivery>
  /** Resolves, with when, once every agent has settled; rejects when the fleet stops first. */
  settled(): Promise<number>
  stop(): Promise<void>
  /** Each simulator process's event-loop delay and GC since it started (fleet-sim-health.ts). */
  health(): Promise<SimHealth[]>
  /** The simulator processes (for their memory); absent when the fleet runs in the benchmark's process. */
  processes?(): Array<{ name: string; pid: number }>
}

/**
 * The simulated fleet of the fleet benchmarks, in the benchmark's own process (the manager runs in another):
 * createFleet with every host's credential, and a tracker that times each `desired` an agent receives against
 * the `ts` the manager wrote into it when publishing (same machine, same wall clock: Date.now() in both).
 */
import { createFleet, type Fleet, type HostCredentials, type AgentTuning } from '../../agent/simulate/index.ts'
import { createLogger } from '../../lib/log.ts'
import { DesiredTracker } from './fleet-desired-tracker.ts'

export interface SimFleet {
  fleet: Fleet
  tracker: DesiredTracker
}

/**
 * Zero-latency simulated rpc, no injected failures. The agents reconnect after 200 ms growing to at most 5 s (the
 * simulator's defaults), and reconcile on their own every 10 min (so the periodic pass does not add load here).
 */
export function createSimFleet(
  brokerUrl: string,
  hosts: readonly HostCredentials[],
  rampPerSecond: number,
  tuning: Partial<AgentTuning> = {},
  /** Shared by the fleets of one benchmark that connect to different brokers (a cluster's replicas). */
  tracker = new DesiredTracker(),
): SimFleet {
  // error, not warn: during the storm every agent would log its refused reconnects (measurement noise here).
  const log = createLogger({ name: 'amt-simulate', level: 'error' })
  const fleet = createFleet({
    brokerUrl,
    hosts,
    seed: 1,
    latency: { kind: 'zero' },
    rampPerSecond,
    agent: { reconcileIntervalMs: 600_000, ...tuning },
    log,
    onInbound: (_host, message) => tracker.onInbound(message),
  })
  return { fleet, tracker }
}

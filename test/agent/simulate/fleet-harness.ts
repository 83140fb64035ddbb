import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createFleet, type Fleet, type FleetOptions, type HostPlan } from '../../../agent/simulate/index.ts'
import type { TestBroker, TestCredential } from '../../helpers/broker.ts'
import { connectFleetWatcher, FLEET_STEP_MS, type FleetWatcher, type Seen } from './fleet-watcher.ts'

export { FLEET_STEP_MS }

/** t.timeout of a fleet test: a few FLEET_STEP_MS waits (ava's default, 60 s, is for the whole file otherwise). */
export const FLEET_TEST_MS = 4 * FLEET_STEP_MS

/**
 * Short delays so retries, stuck-connecting recoveries and reconnects play out in well under a second each. Bounds
 * that end in a failure when exceeded (a secret not answered in time fails the attempt; a CONNACK not received in
 * time drops the connection) are generous instead: on a loaded machine a round trip through the in-process broker
 * can take seconds, and a short bound would turn slowness into a FAILED host or a reconnect storm.
 */
const TEST_TUNING = {
  reconcileIntervalMs: 600_000,
  retryBaseMs: 20,
  retryMaxMs: 100,
  stuckConnectingMs: 200,
  secretTimeoutMs: 60_000,
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
  connectTimeoutMs: 30_000,
  keepaliveSeconds: 60,
  offlineQueueLimit: 100,
} as const

export interface FleetHarness {
  fleet: Fleet
  watcher: FleetWatcher
  /** Every device credential handed to the fleet, with its host (to register them again on a new broker). */
  devices: Array<{ plan: HostPlan; credential: TestCredential }>
  manager: TestCredential
}

/**
 * A fleet on a test broker: each planned host registered with broker.addDevice through the credentials callback
 * (as the manager demo does through its Inventory), a watcher with desired PROVISIONED for every host, the fleet
 * started. Stopped in t.teardown (before the broker closes: teardowns run in reverse order).
 */
export async function startFleetHarness(
  t: ExecutionContext,
  broker: TestBroker,
  options: Omit<FleetOptions, 'brokerUrl' | 'credentials' | 'hosts'>,
): Promise<FleetHarness> {
  const manager = await broker.addManager()
  const watcher = await connectFleetWatcher(t, broker.url, manager)
  const devices: FleetHarness['devices'] = []
  const fleet = createFleet({
    log: silentLogger(),
    ...options,
    brokerUrl: broker.url,
    agent: { ...TEST_TUNING, ...options.agent },
    credentials: async (plan) => {
      const credential = await broker.addDevice(plan.tenantId, plan.hostId)
      devices.push({ plan, credential })
      return credential
    },
  })
  t.teardown(() => fleet.stop())
  await watcher.desire(fleet.plan)
  await fleet.start()
  return { fleet, watcher, devices, manager }
}

/** The phase a planned host must end in. */
export function expectedPhase(plan: HostPlan): 'PROVISIONED' | 'NOT_SUPPORTED' | 'FAILED' {
  if (plan.kind === 'not-capable' || plan.kind === 'no-me') return 'NOT_SUPPORTED'
  if (plan.faults.activationFails !== undefined || plan.faults.lmsMissing) return 'FAILED'
  return 'PROVISIONED'
}

/** A final state as the broker delivered it: the phase expected for the host, for desired generation 1. */
export function reachedFinal(plan: HostPlan, seen: Seen): boolean {
  const state = seen.state
  if (!state || state.phase !== expectedPhase(plan)) return false
  if (state.phase === 'NOT_SUPPORTED') return true
  return state.observedGeneration === 1 && state.remoteStatus !== 'connecting'
}

export function missing(plans: readonly HostPlan[], watcher: FleetWatcher): string {
  const late = plans.filter((plan) => !reachedFinal(plan, watcher.seen(plan)))
  const sample = late
    .slice(0, 5)
    .map(
      (plan) =>
        `${plan.hostId} (${plan.kind}, ${plan.failure ?? 'healthy'}): ${JSON.stringify(watcher.seen(plan).state ?? null)}`,
    )
  return `${late.length} of ${plans.length} hosts without their final state, e.g. ${sample.join('; ')}`
}

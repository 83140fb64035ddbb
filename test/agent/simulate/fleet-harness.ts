import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createFleet, type Fleet, type FleetOptions, type HostPlan } from '../../../agent/simulate/index.ts'
import type { TestBroker, TestCredential } from '../../helpers/broker.ts'
import { connectFleetWatcher, type FleetWatcher, type Seen } from './fleet-watcher.ts'

/** Short bounds so retries, stuck-connecting recoveries and reconnects play out in well under a second each. */
export const TEST_TUNING = {
  reconcileIntervalMs: 600_000,
  retryBaseMs: 20,
  retryMaxMs: 100,
  stuckConnectingMs: 200,
  secretTimeoutMs: 2_000,
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
  connectTimeoutMs: 2_000,
  keepaliveSeconds: 10,
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
  const sample = late.slice(0, 5).map((plan) => `${plan.hostId} (${plan.kind}, ${plan.failure ?? 'healthy'}): ${JSON.stringify(watcher.seen(plan).state ?? null)}`)
  return `${late.length} of ${plans.length} hosts without their final state, e.g. ${sample.join('; ')}`
}

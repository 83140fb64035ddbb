/** The fleet simulator: N real agents with simulated AMT devices in one process (see fleet.ts). */
export { createFleet, FleetConfigError, type Fleet, type FleetOptions } from './fleet.ts'

export type { HostView } from './simulated-host.ts'
export type { HostPlan } from './plan.ts'

export { type HostCredentials } from './credentials-file.ts'
export type { AgentTuning, HostKind } from './fleet-options.ts'

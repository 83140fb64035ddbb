/** The fleet simulator: N real agents with simulated AMT devices in one process (see fleet.ts). */
export { createFleet, FleetConfigError, type DeviceCredential, type Fleet, type FleetOptions, type PlannedHost } from './fleet.ts'
export type { FleetProgress } from './progress.ts'
export type { HostView } from './simulated-host.ts'
export type { HostPlan } from './plan.ts'
export type { HostPhase } from './settle.ts'
export { readCredentialsFile, type HostCredentials } from './credentials-file.ts'
export type { AgentTuning, Assignment, Failures, FailureClass, FleetSpecInput, HostKind, Latency, Mix } from './fleet-options.ts'

import { SCHEMA_VERSION } from '../../schemas/envelope.ts'
import type { AmtControlMode } from '../../schemas/enums.ts'
import type { Desired } from '../../schemas/messages/desired.ts'
import type { Host } from '../inventory/port.ts'

export interface DesiredOptions {
  /** RPS activation endpoint (ws:// or wss://) sent to agents; absent: agents use their own configuration. */
  rpsUrl?: string
}

/** The RPS profile EMF creates per tenant and control mode: `<tenant>_ccm` / `<tenant>_acm`. */
export function profileNameOf(tenantId: string, controlMode: AmtControlMode): string {
  return `${tenantId}_${activationMode(controlMode) === 'ACM' ? 'acm' : 'ccm'}`
}

/** The control mode to activate in: ACM when asked, else CCM (the EMF default). */
export function activationMode(controlMode: AmtControlMode): 'ACM' | 'CCM' {
  return controlMode === 'ACM' ? 'ACM' : 'CCM'
}

/** The host's `desired` payload; null while no desired state was ever set. Never carries a password. */
export function desiredOf(host: Host, options: DesiredOptions, now: Date): Desired | null {
  if (host.desiredState !== 'PROVISIONED' && host.desiredState !== 'UNPROVISIONED') return null
  if (host.desiredGeneration < 1) return null
  const controlMode = activationMode(host.controlMode)
  return {
    v: SCHEMA_VERSION,
    ts: now.toISOString(),
    hostId: host.hostId,
    generation: host.desiredGeneration,
    state: host.desiredState,
    controlMode,
    profileName: profileNameOf(host.tenantId, controlMode),
    ...(options.rpsUrl !== undefined ? { rpsUrl: options.rpsUrl } : {}),
    ...(host.dnsSuffix !== '' ? { dnsSuffix: host.dnsSuffix } : {}),
  }
}

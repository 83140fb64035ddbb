import { SCHEMA_VERSION } from '../../../schemas/envelope.ts'
import type { Desired } from '../../../schemas/messages/desired.ts'
import { activationMode } from '../../dmt/profile-names.ts'
import type { Host } from '../../inventory/port.ts'

export interface DesiredOptions {
  /** RPS activation endpoint (ws:// or wss://) sent to agents; absent: agents use their own configuration. */
  rpsUrl?: string
}

/** True once a desired state was set (there is a `desired` to publish). */
export function hasDesired(host: Pick<Host, 'desiredState' | 'desiredGeneration'>): boolean {
  return (host.desiredState === 'PROVISIONED' || host.desiredState === 'UNPROVISIONED') && host.desiredGeneration >= 1
}

/** The host's `desired` payload with the given profile; null while no desired state was ever set. Never carries a password. */
export function desiredOf(host: Host, options: DesiredOptions & { profileName: string }, now: Date): Desired | null {
  if (!hasDesired(host) || (host.desiredState !== 'PROVISIONED' && host.desiredState !== 'UNPROVISIONED')) return null
  return {
    v: SCHEMA_VERSION,
    ts: now.toISOString(),
    hostId: host.hostId,
    generation: host.desiredGeneration,
    state: host.desiredState,
    controlMode: activationMode(host.controlMode),
    profileName: options.profileName,
    ...(options.rpsUrl !== undefined ? { rpsUrl: options.rpsUrl } : {}),
    ...(host.dnsSuffix !== '' ? { dnsSuffix: host.dnsSuffix } : {}),
    ...(host.desiredState === 'UNPROVISIONED' && host.localDeactivation ? { localDeactivation: true as const } : {}),
    ...(pendingRotation(host) ? { rotationId: host.rotation.id } : {}),
  }
}

/** A rotation asked for at the host's desired generation and not settled yet (desired carries its id). */
export function pendingRotation(host: Host): host is Host & { rotation: NonNullable<Host['rotation']> } {
  const { rotation } = host
  return (
    rotation !== null &&
    rotation.state === 'pending' &&
    rotation.generation === host.desiredGeneration &&
    host.desiredState === 'PROVISIONED'
  )
}

import { hostCapability } from '../host-condition.ts'
import { DomainError } from '../errors.ts'
import type { Host } from '../../inventory/port.ts'
import { NotFoundError } from '../../inventory/errors.ts'
import { RPC_NAME, type Outcome, type Turn } from './member-outcome.ts'

/**
 * A rotation rollout's members (docs/rollouts.md "Rotating passwords"): each start is one rotatePassword
 * (manager/core/flows/rotate-password.ts), its member's generation the rotation's (the host's rotation record
 * carries it), so the outcome is read from the host's rotation after any restart.
 */

/** A failed rotation's name: the agent's rpc error name, else a name the reason begins with, else RotationFailed. */
function failureName(rotation: NonNullable<Host['rotation']>): string {
  if (typeof rotation.errorName === 'string' && rotation.errorName !== '') return rotation.errorName
  return RPC_NAME.exec(rotation.reason ?? '')?.[1] ?? 'RotationFailed'
}

/**
 * The outcome of a member whose rotation was asked at desired `generation`, or null while it is pending: the host
 * gone → failed (HostDeleted); its rotation confirmed → succeeded; failed → failed with the rpc error name; the host
 * shows another rotation (a later one replaced the record before this one's outcome was read) → failed
 * (RotationReplaced).
 */
export function rotationOutcomeOf(host: Host | null, generation: number): Outcome | null {
  if (host === null) return { status: 'failed', errorName: 'HostDeleted' }
  const { rotation } = host
  if (rotation === null || rotation.generation !== generation)
    return { status: 'failed', errorName: 'RotationReplaced' }
  if (rotation.state === 'pending') return null
  return rotation.state === 'confirmed'
    ? { status: 'succeeded' }
    : { status: 'failed', errorName: failureName(rotation) }
}

/**
 * A pending member's turn: gone → failed (HostDeleted); being deleted → failed (HostDeleting); not capable → not
 * supported; a rotation this rollout asked already on the host (a start whose member update a restart lost) →
 * adopted at its generation; otherwise started (rotatePassword checks the rest: its refusals are outcomes, below).
 */
export function rotationTurnOf(host: Host | null, actor: string): Turn {
  if (host === null) return { status: 'failed', errorName: 'HostDeleted' }
  if (host.deletion === 'pending') return { status: 'failed', errorName: 'HostDeleting' }
  if (hostCapability(host) === 'NONE') return { status: 'not-supported' }
  if (host.rotation !== null && host.rotation.actor === actor)
    return { status: 'adopt', generation: host.rotation.generation }
  return { status: 'start' }
}

/**
 * A rotatePassword refusal as the member's outcome: rpc v2 → not supported; the host not rotatable (not
 * PROVISIONED, one pending, no stored password, being deleted, gone, MPS copy unconfigured) → failed with the code.
 * Null for any other error (the secret store down, …): the start failed, the member stays pending.
 */
export function rotationRefusalOf(err: unknown): Outcome | null {
  if (err instanceof NotFoundError) return { status: 'failed', errorName: 'HostDeleted' }
  if (!(err instanceof DomainError)) return null
  if (err.code === 'ROTATION_UNSUPPORTED') return { status: 'not-supported' }
  const refusals: readonly string[] = [
    'ROTATION_NOT_POSSIBLE',
    'ROTATION_MPS_COPY_UNCONFIGURED',
    'DESIRED_HOST_DELETING',
  ]
  return refusals.includes(err.code) ? { status: 'failed', errorName: err.code } : null
}

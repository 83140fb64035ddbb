import type { CandidateOrigin } from '../../ports/provisioning.ts'
import type { EventFacts } from '../facts.ts'
import type { Host } from '../../inventory/port.ts'
import { pendingRotation } from '../publish/desired-payload.ts'
import { rotationSettlement } from '../rotation-settlement.ts'
import { change, type AuditDraft, type Change, type Effect, type Handler } from './change.ts'
import { eventDetail } from './event-detail.ts'
import { secretRefusal } from './secret-need.ts'

/**
 * events → one audit event each (appended in batches by the ingest), its detail bounded; nothing on the host changes.
 * `secret.candidate-worked` (AMT accepted an older password) also makes that one current again (restore-password),
 * but only while an operation of the host needs the password, as for secret/req (secret-need.ts).
 */
export const handleEvent: Handler<'events'> = (host, facts, { source, now }) => {
  const audit = [
    { kind: `agent.${facts.kind}`, detail: eventDetail(facts, source.kind === 'mqtt' ? source.ts : undefined) },
  ]
  if (facts.kind === 'rotation.confirmed' || facts.kind === 'rotation.failed')
    return settleRotation(host, facts, audit, now)
  const restore = facts.kind === 'secret.candidate-worked' ? workedCandidate(facts) : null
  if (restore === null || facts.generation === undefined) return change({}, audit)
  if (secretRefusal(host, { purpose: 'deactivate', generation: facts.generation }) !== null) return change({}, audit)
  const effect: Effect = { kind: 'restore-password', candidate: restore, generation: facts.generation }
  return change({}, audit, [effect])
}

/**
 * `rotation.confirmed` / `rotation.failed` for the host's pending rotation (same id and generation; anything else is
 * only audited: a late outcome of a rotation the deadline failed does not un-fail it): it settles as
 * rotation-settlement.ts says; the effect then copies the new password to MPS (confirmed) or writes the previous
 * one back as the newest version (failed).
 */
function settleRotation(host: Host, facts: EventFacts, audit: AuditDraft[], now: Date): Change {
  const rotation = host.rotation
  const rotationId = facts.detail?.rotationId
  if (!pendingRotation(host) || rotation === null || rotation.id !== rotationId) return change({}, audit)
  if (facts.generation !== rotation.generation) return change({}, audit)
  const confirmed = facts.kind === 'rotation.confirmed'
  const settled = rotationSettlement(
    { ...host, rotation },
    { confirmed, reason: facts.message, ...rpcNameOf(facts) },
    now,
  )
  return change(settled.patch, [...audit, settled.audit], [{ kind: 'rotation-settled', rotation: settled.rotation }])
}

/** The rpc error name a `rotation.failed` event gives (detail name), bounded; nothing when it gives none. */
function rpcNameOf({ detail }: EventFacts): { errorName?: string } {
  const name = detail?.name
  return typeof name === 'string' && name !== '' ? { errorName: name.slice(0, 128) } : {}
}

/** The candidate a `secret.candidate-worked` event names (detail candidate ≥ 1, origin, version); null if none. */
function workedCandidate({ detail }: EventFacts): (CandidateOrigin & { candidate: number }) | null {
  const candidate = detail?.candidate
  const origin = detail?.origin
  const version = detail?.version
  if (typeof candidate !== 'number' || !Number.isInteger(candidate) || candidate < 1) return null
  if (origin === 'tenant') return { candidate, origin }
  if (origin !== 'host' || typeof version !== 'number' || !Number.isInteger(version) || version < 1) return null
  return { candidate, origin, version }
}

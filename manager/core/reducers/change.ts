import type { Host, HostPatch, JsonValue, PasswordRotation } from '../../inventory/port.ts'
import type { FactsOf, ReportKind, ReportSource, SecretRequestFacts } from '../facts.ts'
import type { CandidateOrigin } from '../../ports/provisioning.ts'

/** An audit event a handler wants appended for its host (tenant, host and time are added by the ingest). */
export interface AuditDraft {
  kind: string
  detail: JsonValue
}

/** How a pending activation request ended (the `result` label of amt_manager_activations_total). */
export type ActivationResult = 'provisioned' | 'failed' | 'not_supported'

/** What must happen after the change is stored (never before: a rolled-back change has no effects). */
export type Effect =
  /** An activation requested at `requestedAt` was answered: PROVISIONED, FAILED, or AMT not supported. */
  | { kind: 'activation-settled'; requestedAt: string; result: ActivationResult }
  /** The agent asks for the AMT password; for a rotation, with the host version holding the new one. */
  | { kind: 'answer-secret'; request: SecretRequestFacts; rotation?: { newVersion: number } }
  /** The agent asks for the AMT password while no operation of its host needs it: refused with `reason`. */
  | { kind: 'refuse-secret'; request: SecretRequestFacts; reason: string }
  /** AMT accepted an older password candidate: it becomes the host's current password again (docs/credentials.md). */
  | { kind: 'restore-password'; candidate: CandidateOrigin & { candidate: number }; generation: number }
  /** The agent reported the outcome of the pending password rotation (stored already): revert or copy to MPS. */
  | { kind: 'rotation-settled'; rotation: PasswordRotation }
  /** A host pending deletion reported that AMT is off: it may now be removed. */
  | { kind: 'deletion-ready' }
  /** The reported AMT UUID changed and differs from the hostId (logged as a warning, once per change). */
  | { kind: 'identity-mismatch'; amtUuid: string }
  /** The facts a policy reads (capable, SKU, AMT version, DNS suffixes, root hashes) changed, or came first. */
  | { kind: 'policy-facts-changed' }

/** A handler's verdict on one report: the host fields to write, audit events, effects. Pure data. */
export interface Change {
  patch: HostPatch
  audit: AuditDraft[]
  effects: Effect[]
}

export interface HandlerContext {
  now: Date
  source: ReportSource
}

/** One handler per report kind: (host as stored, facts) → change. Pure: no I/O, no clock but ctx.now. */
export type Handler<K extends ReportKind> = (host: Host, facts: FactsOf<K>, ctx: HandlerContext) => Change

export const NO_CHANGE: Readonly<Change> = Object.freeze({ patch: {}, audit: [], effects: [] })

export function change(patch: HostPatch, audit: AuditDraft[] = [], effects: Effect[] = []): Change {
  return { patch, audit, effects }
}

/** Adds the status fields to a patch only when text or indicator differ (a status write also moves the timestamp). */
export function statusPatch(host: Host, next: { status: string; statusIndicator: Host['statusIndicator'] }): HostPatch {
  if (host.status === next.status && host.statusIndicator === next.statusIndicator) return {}
  return { status: next.status, statusIndicator: next.statusIndicator }
}

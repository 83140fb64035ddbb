import type { Capability } from '../../../schemas/messages/capability.ts'

const RPC_ERROR_NAME = /^([A-Za-z][A-Za-z0-9_]*): /

export interface StatusReason {
  /** The status text before its reason, e.g. "AMT Activation Failed". */
  summary: string
  /** Why: the status text's detail, else a not-capable capability report's reason; '' when none. */
  reason: string
  /** The rpc error name the reason starts with (e.g. `ActivationFailed`), when it does. */
  errorName: string | null
}

/** Splits a host's status text (`<summary>: <reason>`) so a page can show the reason and the rpc error apart. */
export function statusReasonOf(host: {
  status: string
  capability: Pick<Capability, 'capable' | 'reason'> | null
}): StatusReason {
  const split = host.status.indexOf(': ')
  const summary = split < 0 ? host.status : host.status.slice(0, split)
  const detail = split < 0 ? '' : host.status.slice(split + 2)
  const capabilityReason = host.capability?.capable === false ? (host.capability.reason ?? '') : ''
  const reason = detail !== '' ? detail : capabilityReason
  return { summary, reason, errorName: RPC_ERROR_NAME.exec(reason)?.[1] ?? null }
}

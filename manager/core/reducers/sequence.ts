import type { ReportKind, ReportSource } from '../facts.ts'
import type { Host, HostPatch } from '../../inventory/port.ts'

export type SequenceVerdict =
  { ok: true; patch: HostPatch } | { ok: false; reason: 'stale' | 'duplicate'; detail: string }

/**
 * Ordering of MQTT reports (docs/topics.md): per host and leaf, within the same bootId, a seq not greater than
 * the last accepted one is a duplicate (equal) or stale (lower) and is dropped. A new bootId (the agent
 * restarted) resets the reference and is accepted, with one exception: a LIVE `presence` offline from another
 * boot is the last will of an earlier boot that the broker fired late (after the new boot's birth, e.g. when
 * the new connection took over the old session); it says nothing about the running boot and is stale. A
 * retained replay of it is accepted: then it is the broker's last word about the host.
 *
 * The verdict's patch records the accepted position (bootId, lastSeq[leaf]); gRPC reports carry none.
 */
export function checkSequence(
  host: Pick<Host, 'bootId' | 'lastSeq'>,
  kind: ReportKind,
  source: ReportSource,
  online?: boolean,
): SequenceVerdict {
  if (source.kind !== 'mqtt') return { ok: true, patch: {} }
  const { bootId, seq } = source
  const accepted: SequenceVerdict = { ok: true, patch: { bootId, lastSeq: { [kind]: seq } } }
  if (host.bootId !== bootId) {
    if (kind === 'presence' && online === false && !source.retained && host.bootId !== null) {
      return { ok: false, reason: 'stale', detail: `last will of an earlier boot ${bootId}` }
    }
    return accepted
  }
  const last = host.lastSeq[kind]
  if (last === undefined || seq > last) return accepted
  return seq === last
    ? { ok: false, reason: 'duplicate', detail: `seq ${seq} of ${kind} seen already` }
    : { ok: false, reason: 'stale', detail: `seq ${seq} of ${kind} is older than ${last}` }
}

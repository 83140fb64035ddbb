import type { Capability } from '../../schemas/messages/capability.ts'
import type { HostPatch } from '../../manager/inventory/port.ts'
import { capable, notCapable } from './manager-core.ts'

/**
 * Hosts in every combination of the fields a host's condition and capability are decided from (desired, current,
 * phase, indicator, SKU with its capability report and status, deletion): one patch per combination, applied to a
 * fresh host. For the condition rule's tests and the host-query benchmark.
 */

const report = (body: ReturnType<typeof capable>): Capability => ({
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  hostId: 'grid',
  bootId: '00000000-0000-4000-8000-000000000000',
  seq: 1,
  ...body,
})

/** The SKU with what the manager stores alongside it. */
const CAPABILITY_CASES: readonly HostPatch[] = [
  { sku: 'AMT', capability: report(capable('AMT')) },
  { sku: 'ISM', capability: report(capable('ISM')) },
  { sku: 'UNSPECIFIED', capability: report(notCapable('no ME device')), status: 'AMT not supported: no ME device' },
  // A gRPC agent's DISABLED: no report, only the status.
  { sku: 'UNSPECIFIED', status: 'AMT not supported: AMT disabled by the agent' },
  // A not-capable report whose status was overwritten since (e.g. a deletion's "deactivation pending").
  { sku: 'UNSPECIFIED', capability: report(notCapable('no ME device')) },
  // Activated firmware with an unreadable SKU: capable, SKU unknown.
  { sku: 'UNSPECIFIED', capability: report({ ...capable('AMT'), sku: 'UNSPECIFIED' }) },
  { sku: 'UNSPECIFIED' },
]

const STATES = ['UNSPECIFIED', 'PROVISIONED', 'UNPROVISIONED', 'DISCONNECTED'] as const
const PHASES = [null, 'UNPROVISIONED', 'ACTIVATING', 'PROVISIONED', 'DEACTIVATING', 'FAILED', 'NOT_SUPPORTED'] as const
const INDICATORS = ['UNSPECIFIED', 'IN_PROGRESS', 'IDLE', 'ERROR'] as const
const DELETIONS = ['none', 'pending'] as const

export function hostGrid(): HostPatch[] {
  const patches: HostPatch[] = []
  for (const desiredState of STATES.slice(0, 3))
    for (const currentState of STATES)
      for (const phase of PHASES)
        for (const statusIndicator of INDICATORS)
          for (const capability of CAPABILITY_CASES)
            for (const deletion of DELETIONS)
              patches.push({ desiredState, currentState, phase, statusIndicator, ...capability, deletion })
  return patches
}

import type { HostCapability, HostCondition } from '../../inventory/host-filter.ts'

/** How the console names and marks conditions and capabilities: words first, colour only as an extra cue. */

export const CONDITION_LABELS: Readonly<Record<HostCondition, string>> = {
  PROVISIONED: 'Provisioned',
  ACTIVATING: 'Activating',
  DEACTIVATING: 'Deactivating',
  FAILED: 'Failed',
  NOT_SUPPORTED: 'Not supported',
  UNPROVISIONED: 'Unprovisioned',
  PENDING_DELETION: 'Pending deletion',
}

/** The stylesheet's state classes (console.css): NOT_SUPPORTED is grey (state-na), never the red of FAILED. */
export const CONDITION_CLASSES: Readonly<Record<HostCondition, string>> = {
  PROVISIONED: 'state-ok',
  ACTIVATING: 'state-warn',
  DEACTIVATING: 'state-warn',
  FAILED: 'state-bad',
  NOT_SUPPORTED: 'state-na',
  UNPROVISIONED: 'state-idle',
  PENDING_DELETION: 'state-warn',
}

export const CAPABILITY_LABELS: Readonly<Record<HostCapability, string>> = {
  AMT: 'AMT',
  ISM: 'ISM',
  NONE: 'None (not capable)',
  UNKNOWN: 'Unknown',
}

/** "2026-01-02 10:00:00 UTC" from an ISO time. */
export const formatTime = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`

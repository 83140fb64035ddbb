/**
 * The power actions a user can ask for and their MPS codes: a module of its own, without the MPS client, so the CLI
 * (`amt-manager hosts power`) names them without loading it. Codes from ../shared/reference/inventory-and-dmt.md;
 * `soft-off` 12 and `soft-reset` 14 are CIM's graceful variants (the OS shuts down or restarts; MPS accepts them).
 */
export const POWER_ACTIONS = ['on', 'off', 'reset', 'cycle', 'sleep', 'hibernate', 'soft-off', 'soft-reset'] as const
export type PowerAction = (typeof POWER_ACTIONS)[number]

/** MPS power action codes. */
export const POWER_ACTION_CODES: Readonly<Record<PowerAction, number>> = {
  on: 2,
  sleep: 4,
  cycle: 5,
  hibernate: 7,
  off: 8,
  reset: 10,
  'soft-off': 12,
  'soft-reset': 14,
}

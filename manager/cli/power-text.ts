import type { PowerFields } from '../api/views.ts'
import type { z } from 'zod'

/** A host's power as the terminal shows it: the state with its age, the last action apart from it. */

type Power = { [K in keyof typeof PowerFields]: z.infer<(typeof PowerFields)[K]> }

/** "42s", "5m", "3h", "2d" since `iso` (0s for a time ahead of `now`). */
function ageText(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}

/** For `hosts list`: "on (5m ago)", "unknown", "off (2h ago), action pending". */
export function powerCell(power: Power, now: number): string {
  const state =
    power.powerStateReadAt === null
      ? power.powerState
      : `${power.powerState} (${ageText(power.powerStateReadAt, now)} ago)`
  return power.powerAction?.outcome === 'pending' ? `${state}, action pending` : state
}

/** For `hosts show`: the state line and the action line. */
export function powerDetails(power: Power, now: number): Array<[string, string]> {
  const state =
    power.powerStateReadAt === null
      ? `${power.powerState} (never read from MPS)`
      : `${power.powerState} (read ${ageText(power.powerStateReadAt, now)} ago, ${power.powerStateReadAt})`
  const action =
    power.powerAction === null
      ? '-'
      : `${power.powerAction.outcome}: ${power.powerAction.message} (${power.powerAction.at})`
  return [
    ['power state', state],
    ['power action', action],
  ]
}

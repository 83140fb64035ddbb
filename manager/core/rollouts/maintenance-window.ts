import type { RolloutControls } from '../../rollouts/rollout.ts'

export type MaintenanceWindow = NonNullable<RolloutControls['window']>

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

const minutesOf = (text: string): number => {
  const match = HH_MM.exec(text)
  if (match === null) throw new RangeError(`${text} is not a time HH:MM`)
  return Number(match[1]) * 60 + Number(match[2])
}

/** The weekday (0 Sunday) and minute of the day of `at` in the IANA `timezone` (Intl; no date library). */
function localTime(at: Date, timezone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at)
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  return { day: WEEKDAYS.indexOf(part('weekday')), minute: Number(part('hour')) * 60 + Number(part('minute')) }
}

/** A window's problem (unknown timezone, bad day or time) as a sentence; null when it is valid. */
export function windowProblem(window: MaintenanceWindow): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timezone })
  } catch {
    return `window.timezone ${window.timezone} is not an IANA timezone`
  }
  if (window.days.length === 0 || window.days.some((day) => !Number.isInteger(day) || day < 0 || day > 6))
    return 'window.days must be weekdays 0 (Sunday) … 6 (Saturday)'
  for (const time of [window.start, window.end]) if (!HH_MM.test(time)) return `window time ${time} is not HH:MM`
  if (window.start === window.end) return 'window.start and window.end must differ'
  return null
}

/**
 * Whether `at` is inside the window, in the window's timezone: from `start` (inclusive) to `end` (exclusive) on
 * one of `days`. A window whose end is before its start crosses midnight: it belongs to the day it starts on
 * (Friday 22:00–04:00 is open Friday night until Saturday 04:00).
 */
export function insideWindow(window: MaintenanceWindow, at: Date): boolean {
  const { day, minute } = localTime(at, window.timezone)
  const start = minutesOf(window.start)
  const end = minutesOf(window.end)
  if (start < end) return window.days.includes(day) && minute >= start && minute < end
  if (minute >= start) return window.days.includes(day)
  return minute < end && window.days.includes((day + 6) % 7)
}

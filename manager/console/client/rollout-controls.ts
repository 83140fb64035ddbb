/**
 * The API's rollout `controls` (manager/api/rollout-schemas.ts) from the fields of pages/rollout-controls-fields.tsx.
 * Blank optional fields add no control; the API validates the rest and names what it refuses.
 */
export function rolloutControlsOf(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form)
  const text = (name: string): string => {
    const value = data.get(name)
    return typeof value === 'string' ? value.trim() : ''
  }
  const number = (name: string): number | undefined => (text(name) === '' ? undefined : Number(text(name)))
  const controls: Record<string, unknown> = {
    maxConcurrent: number('rollout-max-concurrent'),
    maxStartsPerMinute: number('rollout-rate'),
  }
  const canary = number('rollout-canary')
  if (canary !== undefined) {
    const size = text('rollout-canary-unit') === 'percent' ? { percent: canary } : { hosts: canary }
    const approval =
      text('rollout-approval') === 'automatic' ? { successPercent: number('rollout-approve-at') ?? 100 } : 'manual'
    controls['canary'] = { ...size, approval }
  }
  const failurePercent = number('rollout-abort-percent')
  if (failurePercent !== undefined)
    controls['abort'] = { failurePercent, minFinished: number('rollout-abort-min') ?? 1 }
  const [timezone, start, end] = [
    text('rollout-window-timezone'),
    text('rollout-window-start'),
    text('rollout-window-end'),
  ]
  if (timezone !== '' || start !== '' || end !== '') {
    const days = data.getAll('rollout-window-day').map((day) => Number(day))
    controls['window'] = { timezone, days, start, end }
  }
  return controls
}

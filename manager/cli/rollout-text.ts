import type { z } from 'zod'
import type { RolloutView } from '../api/rollout-schemas.ts'
import type { RolloutControls } from '../rollouts/rollout.ts'
import { CliError } from './io.ts'

type Rollout = z.infer<typeof RolloutView>

const BAR_WIDTH = 30

/** The action's word: the desired state (PROVISIONED, UNPROVISIONED), or rotate-password. */
export const actionOf = (rollout: Rollout): string => rollout.desiredAmtState ?? rollout.action

/** `[#####+++.......]  12/100 ok 10 failed 2 …`: done (#) and in progress (+) of the targeted. */
export function progressLine(rollout: Rollout): string {
  const p = rollout.progress
  const done = p.succeeded + p.failed + p.notSupported + p.skipped
  const cells = (n: number) => (p.targeted === 0 ? 0 : Math.round((n / p.targeted) * BAR_WIDTH))
  const doneCells = cells(done)
  const busyCells = Math.min(BAR_WIDTH - doneCells, cells(p.inProgress))
  const bar = `${'#'.repeat(doneCells)}${'+'.repeat(busyCells)}${'.'.repeat(BAR_WIDTH - doneCells - busyCells)}`
  return `[${bar}] ${done}/${p.targeted} ${rollout.state}: ${countsOf(rollout)}`
}

export function countsOf(rollout: Rollout): string {
  const p = rollout.progress
  return (
    `pending ${p.pending}, in progress ${p.inProgress}, succeeded ${p.succeeded}, failed ${p.failed}, ` +
    `not supported ${p.notSupported}, skipped ${p.skipped}`
  )
}

/** The `show` text: the rollout, its controls, progress and failures by rpc error name. */
export function rolloutText(rollout: Rollout): string {
  const p = rollout.progress
  const failures = Object.entries(p.failedByError)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `  ${name}: ${count}\n`)
    .join('')
  return (
    `rollout:   ${rollout.rolloutId} (tenant ${rollout.tenantId})\n` +
    `state:     ${rollout.state}${rollout.reason === null ? '' : ` (${rollout.reason})`}\n` +
    `action:    ${actionOf(rollout)}${rollout.amtControlMode === undefined ? '' : ` ${rollout.amtControlMode}`}\n` +
    `controls:  ${JSON.stringify(rollout.controls)}\n` +
    `rate:      ${rollout.startsPerMinute} starts/min now\n` +
    `created:   ${rollout.createdAt} by ${rollout.createdBy}\n` +
    `progress:  ${progressLine(rollout)}\n` +
    (p.canary.targeted > 0 ? `canary:    ${p.canary.finished}/${p.canary.targeted} finished\n` : '') +
    (failures === '' ? '' : `failed by error:\n${failures}`)
  )
}

const positive = (text: string, what: string): number => {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new CliError(`${what} must be a positive number, not ${text}`, 2)
  return value
}

/** `--window 'Europe/Berlin 1-5 22:00-05:00'`: timezone, days (0 Sunday; ranges and commas), HH:MM-HH:MM. */
function windowOf(text: string): NonNullable<RolloutControls['window']> {
  const match = /^(\S+)\s+([0-6](?:[-,][0-6])*)\s+(\d\d:\d\d)-(\d\d:\d\d)$/.exec(text.trim())
  if (match === null)
    throw new CliError(`--window must be 'TIMEZONE DAYS HH:MM-HH:MM', e.g. 'Europe/Berlin 1-5 22:00-05:00'`, 2)
  const [, timezone = '', daysText = '', start = '', end = ''] = match
  const days = new Set<number>()
  for (const part of daysText.split(',')) {
    const [from, to = from] = part.split('-').map(Number)
    for (let day = from ?? 0; day <= (to ?? 0); day++) days.add(day)
  }
  return { timezone, days: [...days].sort(), start, end }
}

export interface ControlOptions {
  maxConcurrent: string
  rate: string
  ramp?: string
  canary?: string
  approveAt?: string
  abortAt?: string
  window?: string
}

/** The controls of `rollouts create`'s options. */
export function controlsOf(options: ControlOptions): RolloutControls {
  const controls: RolloutControls = {
    maxConcurrent: Math.trunc(positive(options.maxConcurrent, '--max-concurrent')),
    maxStartsPerMinute: positive(options.rate, '--rate'),
  }
  if (options.ramp !== undefined) {
    const [initial = '', factor = ''] = options.ramp.split(',')
    controls.ramp = { initial: positive(initial, '--ramp initial'), factor: positive(factor, '--ramp factor') }
  }
  if (options.canary !== undefined) {
    const approval =
      options.approveAt === undefined ? 'manual' : { successPercent: positive(options.approveAt, '--approve-at') }
    controls.canary = options.canary.endsWith('%')
      ? { percent: positive(options.canary.slice(0, -1), '--canary'), approval }
      : { hosts: Math.trunc(positive(options.canary, '--canary')), approval }
  }
  if (options.abortAt !== undefined) {
    const [percent = '', minFinished = ''] = options.abortAt.split(',')
    controls.abort = {
      failurePercent: positive(percent, '--abort-at percent'),
      minFinished: Math.trunc(positive(minFinished, '--abort-at minFinished')),
    }
  }
  if (options.window !== undefined) controls.window = windowOf(options.window)
  return controls
}

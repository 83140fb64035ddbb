import type { Command } from 'commander'
import type { z } from 'zod'
import type { ApplyView } from '../api/routes/policy-rollouts.ts'
import { clientFor } from './connection.ts'
import { printJson, runCommand, type CliIo } from './io.ts'
import { actionOf, controlsOf, type ControlOptions } from './rollout-text.ts'

/**
 * `groups apply <tenantId> <group>` and `rollouts create <tenantId> --group <group>` (docs/policy.md "Applying a
 * policy"): the group's hosts in drift become rollouts, one per action, under the controls of the options.
 */

/** The controls' options of `rollouts create`, `groups apply`. */
export function withControlOptions(command: Command, { required = true }: { required?: boolean } = {}): Command {
  const needed = (flags: string, description: string) =>
    required ? command.requiredOption(flags, description) : command.option(flags, description)
  needed('--max-concurrent <n>', 'members in progress at most')
  needed('--rate <n>', 'starts per minute at most')
  return command
    .option('--ramp <initial,factor>', 'start at initial/min, multiply by factor after each clean minute')
    .option('--canary <n|n%>', 'the first n hosts (or n %) go first')
    .option('--approve-at <percent>', 'approve the canary automatically at this success share (default: manual)')
    .option('--abort-at <percent,minFinished>', 'abort when more than percent failed after minFinished finished')
    .option('--window <spec>', "starts only in 'TIMEZONE DAYS HH:MM-HH:MM' (days 0 Sunday … 6, e.g. 1-5)")
}

/** One line per rollout created, one per host skipped; `no drift` when nothing was created or skipped. */
function applyText(result: z.infer<typeof ApplyView>): string {
  const created = result.rollouts.map(
    (r) =>
      `created rollout ${r.rolloutId}: ${r.progress.targeted} hosts, ` +
      `${actionOf(r)}${r.amtControlMode === undefined ? '' : ` ${r.amtControlMode}`}` +
      `${r.amtDnsSuffix === undefined ? '' : ` ${r.amtDnsSuffix}`}, ${r.state}\n`,
  )
  const skipped = result.skipped.map(({ hostId, rolloutId }) => `skipped ${hostId}: in rollout ${rolloutId}\n`)
  const lines = [...created, ...skipped]
  return lines.length === 0 ? 'no drift: nothing to apply\n' : lines.join('')
}

/** Applies the group's policy and prints what it created and skipped. */
export function applyGroup(
  io: CliIo,
  command: Command,
  tenantId: string,
  group: string,
  options: ControlOptions & { json?: boolean },
): Promise<void> {
  return runCommand(io, async () => {
    const result = await clientFor(command, io).applyGroupPolicy(tenantId, group, { controls: controlsOf(options) })
    if (options.json) return printJson(io, result)
    io.out(applyText(result))
  })
}

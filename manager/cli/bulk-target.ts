import type { Command } from 'commander'
import { collect } from './hosts-list-command.ts'
import { CliError } from './io.ts'

/** The hosts of a bulk command (`hosts activate|deactivate`, `rollouts create`) and the options that choose them. */

export interface BulkTargetOptions {
  all?: boolean
  label?: string[]
}

type BulkTarget = { hostIds: string[] } | { filter: { label?: string[] } }

/** `--all` and `--label` (repeatable: every one must hold, as `hosts list --label`). */
export const withBulkTargetOptions = (command: Command): Command =>
  command
    .option('--all', 'every host of the tenant')
    .option(
      '--label <key=value>',
      'every host of the tenant with this label (key=value, or key: any value); repeatable, every one must hold',
      collect,
      [],
    )

/** Named hosts, or a filter: the bulk API's body (the API checks the label conditions and names a bad one). */
export function bulkTargetOf(hostIds: string[], options: BulkTargetOptions): BulkTarget {
  const label = options.label ?? []
  const filtered = options.all === true || label.length > 0
  if (hostIds.length > 0 === filtered) throw new CliError('name hosts, or pass --all or --label (not both)', 2)
  if (hostIds.length > 0) return { hostIds }
  return { filter: label.length === 0 ? {} : { label } }
}

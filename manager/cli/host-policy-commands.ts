import { Option, type Command } from 'commander'
import { ACM_FALLBACKS, AMT_POLICY_MODES, parseLabelCondition, type AmtPolicy } from '../inventory/port.ts'
import { clientFor } from './connection.ts'
import { labelsText } from './host-views.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'

/** `key=value` → set, `key-` → remove (kubectl's way); anything else is a usage error. */
function labelEdits(items: readonly string[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const item of items) {
    if (item.endsWith('-') && !item.includes('=')) {
      remove.push(item.slice(0, -1))
      continue
    }
    const condition = parseLabelCondition(item)
    if (typeof condition === 'string') throw new CliError(condition, 2)
    if (condition.value === undefined) throw new CliError(`"${item}": write key=value to set, key- to remove`, 2)
    set[condition.key] = condition.value
  }
  return { set, remove }
}

/** Repeated `--label key=value` options as a label map (a `key-` removal is a usage error here). */
export function labelsToSet(items: readonly string[]): Record<string, string> {
  const { set, remove } = labelEdits(items)
  if (remove.length > 0) throw new CliError('--label takes key=value', 2)
  return set
}

/** The AMT policy of the options: `--policy`/the mode and `--acm-fallback`. */
export function policyOf(mode: string, acmFallback: string | undefined): AmtPolicy {
  if (!(AMT_POLICY_MODES as readonly string[]).includes(mode))
    throw new CliError(`the policy is one of ${AMT_POLICY_MODES.join(', ')}`, 2)
  if (acmFallback !== undefined && mode !== 'acm') throw new CliError('--acm-fallback goes with acm only', 2)
  return { amt: mode as AmtPolicy['amt'], ...(acmFallback ? { acmFallback: acmFallback as 'ccm' | 'none' } : {}) }
}

/** `hosts label` and `hosts policy` (the per-host override). */
export function addHostPolicyCommands(hosts: Command, io: CliIo): void {
  hosts
    .command('label <tenantId> <hostId> <labels...>')
    .description('set (key=value) and remove (key-) labels of a host; the others stay')
    .option('--json', 'print JSON')
    .action((tenantId: string, hostId: string, items: string[], options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const host = await clientFor(command, io).editLabels(tenantId, hostId, labelEdits(items))
        if (options.json) return printJson(io, host)
        io.out(`labels of ${tenantId}/${hostId}: ${labelsText(host.labels)}\n`)
      }),
    )

  hosts
    .command('policy <tenantId> <hostId> <mode>')
    .description(
      `set the host's own AMT policy (${AMT_POLICY_MODES.join('|')}), which wins over its groups; clear: none`,
    )
    .addOption(new Option('--acm-fallback <fallback>', 'with acm: for a host not ACM-eligible').choices(ACM_FALLBACKS))
    .option('--json', 'print JSON')
    .action(
      (
        tenantId: string,
        hostId: string,
        mode: string,
        options: { acmFallback?: string; json?: boolean },
        command: Command,
      ) =>
        runCommand(io, async () => {
          const policy = mode === 'clear' ? null : policyOf(mode, options.acmFallback)
          const client = clientFor(command, io)
          await client.setPolicyOverride(tenantId, hostId, policy)
          const effective = await client.hostPolicy(tenantId, hostId)
          if (options.json) return printJson(io, effective)
          io.out(
            `${policy === null ? 'override cleared' : 'override set'}: ${tenantId}/${hostId} follows ${effective.source}\n`,
          )
        }),
    )
}

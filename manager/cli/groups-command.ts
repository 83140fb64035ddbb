import { Command, Option } from 'commander'
import { ACM_FALLBACKS, AMT_POLICY_MODES, HOST_CAPABILITIES, type GroupSelector } from '../inventory/port.ts'
import type { GroupView } from '../api/policy-views.ts'
import { clientFor, withConnectionOptions } from './connection.ts'
import { labelsToSet, policyOf } from './host-policy-commands.ts'
import { amtPolicyText, labelsText } from './host-views.ts'
import { collect, positiveInt } from './hosts-list-command.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { formatFields, formatTable } from './table.ts'
import { applyGroup, withControlOptions } from './policy-apply-command.ts'
import type { ControlOptions } from './rollout-text.ts'

type Group = GroupView

const selectorText = ({ labels, facts }: Group['selector']): string => {
  const parts = [
    ...(labels ? [labelsText(labels)] : []),
    ...Object.entries(facts ?? {}).map(([fact, value]) => `${fact}=${String(value)}`),
  ]
  return parts.length === 0 ? 'every host' : parts.join(', ')
}

const GROUP_COLUMNS = [
  { header: 'GROUP', value: (group: Group) => group.name },
  { header: 'PRIORITY', value: (group: Group) => String(group.priority) },
  { header: 'POLICY', value: (group: Group) => amtPolicyText(group.policy) },
  { header: 'SELECTOR', value: (group: Group) => selectorText(group.selector), maxWidth: 60 },
  { header: 'VERSION', value: (group: Group) => String(group.version) },
]

interface SetOptions {
  policy: string
  acmFallback?: string
  label: string[]
  capability?: string
  amtVersionPrefix?: string
  sku?: string
  priority: string
  json?: boolean
}

function selectorOf(options: SetOptions): GroupSelector {
  const set = labelsToSet(options.label)
  const facts = {
    ...(options.capability ? { capability: options.capability as 'AMT' } : {}),
    ...(options.amtVersionPrefix ? { amtVersionPrefix: options.amtVersionPrefix } : {}),
    ...(options.sku ? { sku: options.sku as 'AMT' | 'ISM' } : {}),
  }
  return {
    ...(Object.keys(set).length > 0 ? { labels: set } : {}),
    ...(Object.keys(facts).length > 0 ? { facts } : {}),
  }
}

/** `groups list|show|set|delete`: host groups with their AMT policy (docs/policy.md). */
export function groupsCommand(io: CliIo): Command {
  const groups = withConnectionOptions(new Command('groups').description('host groups and their AMT policy'))

  groups
    .command('list <tenantId>')
    .description("the tenant's groups, in the order they decide (priority, then name)")
    .option('--json', 'print JSON')
    .action((tenantId: string, options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const found = await clientFor(command, io).listGroups(tenantId)
        if (options.json) return printJson(io, found)
        io.out(found.groups.length === 0 ? 'no groups\n' : formatTable(GROUP_COLUMNS, found.groups))
      }),
    )

  groups
    .command('show <tenantId> <name>')
    .description('one group and its drift: the hosts whose desired differs from its policy (a rollout applies it)')
    .option('--hosts <n>', 'how many drifted hosts to list', '20')
    .option('--json', 'print JSON')
    .action((tenantId: string, name: string, options: { hosts: string; json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const client = clientFor(command, io)
        const group = await client.getGroup(tenantId, name)
        const drift = await client.groupDrift(tenantId, name, positiveInt(options.hosts, '--hosts'))
        if (options.json) return printJson(io, { group, drift })
        io.out(
          formatFields([
            ['group', group.name],
            ['policy', amtPolicyText(group.policy)],
            ['selector', selectorText(group.selector)],
            ['priority', String(group.priority)],
            ['version', String(group.version)],
            ['updated', group.updatedAt],
            ['drift', `${drift.total} host(s) whose desired differs from the policy (a rollout applies it)`],
          ]),
        )
        if (drift.hosts.length === 0) return
        const columns = [
          { header: 'HOST', value: (row: (typeof drift.hosts)[number]) => row.hostId },
          { header: 'DESIRED', value: (row: (typeof drift.hosts)[number]) => row.desired.state },
          {
            header: 'POLICY ASKS',
            value: (row: (typeof drift.hosts)[number]) => [row.target.state, row.target.controlMode].join(' ').trim(),
          },
        ]
        io.out(`\n${formatTable(columns, drift.hosts)}`)
      }),
    )

  groups
    .command('set <tenantId> <name>')
    .description('create or replace a group; changes no host at once (see `groups show` for the drift)')
    .addOption(new Option('--policy <mode>', 'the AMT policy').choices(AMT_POLICY_MODES).makeOptionMandatory())
    .addOption(new Option('--acm-fallback <fallback>', 'with acm: for a host not ACM-eligible').choices(ACM_FALLBACKS))
    .option('--label <key=value>', 'hosts with this label; repeatable', collect, [])
    .addOption(new Option('--capability <class>', 'hosts of this capability').choices(HOST_CAPABILITIES))
    .option('--amt-version-prefix <prefix>', 'hosts whose AMT version starts so, e.g. 16.')
    .addOption(new Option('--sku <sku>', 'hosts of this SKU').choices(['AMT', 'ISM']))
    .option('--priority <n>', 'lower wins when a host is in several groups', '100')
    .option('--json', 'print JSON')
    .action((tenantId: string, name: string, options: SetOptions, command: Command) =>
      runCommand(io, async () => {
        const priority = Number(options.priority)
        if (!Number.isSafeInteger(priority)) throw new CliError('--priority must be an integer', 2)
        const body = { selector: selectorOf(options), priority, policy: policyOf(options.policy, options.acmFallback) }
        const group = await clientFor(command, io).putGroup(tenantId, name, body)
        if (options.json) return printJson(io, group)
        io.out(`group ${tenantId}/${group.name} stored (version ${group.version}); its drift: groups show\n`)
      }),
    )

  withControlOptions(
    groups
      .command('apply <tenantId> <name>')
      .description("apply the group's policy: its hosts in drift become rollouts (one per action) under the controls"),
  )
    .option('--json', 'print JSON')
    .action((tenantId: string, name: string, options: ControlOptions & { json?: boolean }, command: Command) =>
      applyGroup(io, command, tenantId, name, options),
    )

  groups
    .command('delete <tenantId> <name>')
    .description('delete a group (its hosts keep their desired state)')
    .action((tenantId: string, name: string, _options: object, command: Command) =>
      runCommand(io, async () => {
        await clientFor(command, io).deleteGroup(tenantId, name)
        io.out(`deleted group ${tenantId}/${name}\n`)
      }),
    )
  return groups
}

import { Option, type Command } from 'commander'
import { AgentPhase, AmtControlMode, AmtSku, AmtState, StatusIndication } from '../../schemas/enums.ts'
import { HOST_CAPABILITIES, HOST_CONDITIONS, HOST_SORT_KEYS } from '../inventory/port.ts'
import { API_MAX_PAGE_SIZE } from '../api/params.ts'
import type { HostView } from '../api/views.ts'
import type { ApiClient, HostQuery } from './api-client.ts'
import { clientFor } from './connection.ts'
import { hostTable } from './host-views.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'

interface ListOptions {
  tenant?: string
  state?: string
  desired?: string
  indicator?: string
  sku?: string
  controlMode?: string
  online?: boolean
  offline?: boolean
  phase?: string
  capability?: string
  condition?: string
  search?: string
  label?: string[]
  sort?: string
  limit?: string
  json?: boolean
}

/** Each filter option → the API's query parameter. */
const QUERY_OF_OPTION = {
  tenant: 'tenantId',
  state: 'currentState',
  desired: 'desiredState',
  indicator: 'statusIndicator',
  sku: 'sku',
  controlMode: 'controlMode',
  phase: 'phase',
  capability: 'capability',
  condition: 'condition',
  search: 'search',
  sort: 'sort',
} as const satisfies Partial<Record<keyof ListOptions, keyof HostQuery>>

const SORTS = HOST_SORT_KEYS.flatMap((key) => [key, `-${key}`])

/** `hosts list`: every page, or one with --limit. */
export function addListCommand(hosts: Command, io: CliIo): void {
  hosts
    .command('list')
    .description('list hosts (every page; --limit for one page); filters combine with AND')
    .option('--tenant <tenantId>', 'only this tenant')
    .addOption(new Option('--state <state>', 'only this current AMT state').choices(AmtState.options))
    .addOption(new Option('--desired <state>', 'only this desired AMT state').choices(AmtState.options))
    .addOption(new Option('--indicator <indicator>', 'only this status indicator').choices(StatusIndication.options))
    .addOption(new Option('--sku <sku>', 'only this AMT SKU').choices(AmtSku.options))
    .addOption(new Option('--control-mode <mode>', 'only this control mode').choices(AmtControlMode.options))
    .option('--online', 'only hosts online')
    .option('--offline', 'only hosts offline')
    .addOption(new Option('--phase <phase>', "only this agent's phase").choices(AgentPhase.options))
    .addOption(new Option('--capability <class>', 'only this capability').choices(HOST_CAPABILITIES))
    .addOption(new Option('--condition <condition>', 'only this condition').choices(HOST_CONDITIONS))
    .option('--search <text>', 'only hosts whose id or name contains the text')
    .option('--label <key=value>', 'only hosts with this label (key=value, or key: any value); repeatable', collect, [])
    .addOption(new Option('--sort <key>', 'order by this key; -key: descending').choices(SORTS))
    .option('--limit <n>', `one page of at most n hosts (1-${API_MAX_PAGE_SIZE})`)
    .option('--json', 'print JSON')
    .action((options: ListOptions, command: Command) =>
      runCommand(io, async () => {
        const found = await listHosts(clientFor(command, io), options)
        if (options.json) printJson(io, found)
        else io.out(found.hosts.length === 0 ? 'no hosts\n' : hostTable(found.hosts))
      }),
    )
}

async function listHosts(
  client: ApiClient,
  options: ListOptions,
): Promise<{ hosts: HostView[]; nextCursor: string | null; total: number }> {
  const query: HostQuery = {}
  for (const [option, parameter] of Object.entries(QUERY_OF_OPTION) as [keyof typeof QUERY_OF_OPTION, string][]) {
    const value = options[option]
    if (value !== undefined) Object.assign(query, { [parameter]: value })
  }
  if (options.label !== undefined && options.label.length > 0) query.label = options.label
  if (options.online === true && options.offline === true) throw new CliError('--online or --offline, not both', 2)
  if (options.online === true || options.offline === true) query.online = String(options.online === true)
  if (options.limit !== undefined) return client.listHosts({ ...query, limit: positiveInt(options.limit, '--limit') })
  const hosts: HostView[] = []
  let cursor: string | undefined
  let total = 0
  do {
    const page = await client.listHosts({
      ...query,
      limit: API_MAX_PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    })
    hosts.push(...page.hosts)
    total = page.total
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return { hosts, nextCursor: null, total }
}

export function positiveInt(text: string, flag: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) throw new CliError(`${flag} must be a positive integer`, 2)
  return value
}

/** Commander's collector of a repeatable option. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value]

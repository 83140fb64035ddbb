import { Command, Option } from 'commander'
import { clientFor, withConnectionOptions } from './connection.ts'
import { bulkTargetOf, withBulkTargetOptions, type BulkTargetOptions } from './bulk-target.ts'
import { addPowerCommand } from './host-power-command.ts'
import { addHostPolicyCommands, labelsToSet } from './host-policy-commands.ts'
import { addListCommand, collect, positiveInt } from './hosts-list-command.ts'
import { eventTable, hostDetails } from './host-views.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { withControlOptions } from './policy-apply-command.ts'
import { controlsOf, type ControlOptions } from './rollout-text.ts'
import { formatTable } from './table.ts'

type DesiredOptions = BulkTargetOptions & {
  controlMode?: 'CCM' | 'ACM'
  dnsSuffix?: string
  local?: boolean
  json?: boolean
}

type RotateOptions = BulkTargetOptions & Partial<ControlOptions> & { json?: boolean }

/** A rotation asked as a rollout: a bulk target or a rollout control given (one named host alone: the host's). */
const rolloutAsked = (options: RotateOptions): boolean =>
  options.all === true ||
  (options.label ?? []).length > 0 ||
  [
    options.maxConcurrent,
    options.rate,
    options.ramp,
    options.canary,
    options.approveAt,
    options.abortAt,
    options.window,
  ].some((value) => value !== undefined)

type RegisterOptions = {
  name?: string
  controlMode?: 'CCM' | 'ACM'
  dnsSuffix?: string
  label: string[]
  json?: boolean
}

/** `hosts list|show|register|activate|deactivate|rotate-password|delete|power`, talking to the API. */
export function hostsCommand(io: CliIo): Command {
  const hosts = withConnectionOptions(new Command('hosts').description('hosts and their AMT state'))

  addListCommand(hosts, io)

  hosts
    .command('show <tenantId> <hostId>')
    .description("show one host's AMT fields and its latest audit events")
    .option('--events <n>', 'how many recent events to show', '10')
    .option('--json', 'print JSON')
    .action((tenantId: string, hostId: string, options: { events: string; json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const client = clientFor(command, io)
        const host = await client.getHost(tenantId, hostId)
        const acmEligibility = await client.acmEligibility(tenantId, hostId)
        const policy = await client.hostPolicy(tenantId, hostId)
        const { events } = await client.hostEvents(tenantId, hostId, positiveInt(options.events, '--events'))
        if (options.json) return printJson(io, { host, acmEligibility, policy, events })
        io.out(hostDetails(host, Date.now(), acmEligibility, policy))
        if (events.length > 0) io.out(`\n${eventTable(events)}`)
      }),
    )

  hosts
    .command('register <tenantId> <hostId>')
    .description('register a host; prints its MQTT credential ONCE')
    .option('--name <name>', 'display name')
    .addOption(new Option('--control-mode <mode>', 'AMT control mode').choices(['CCM', 'ACM']))
    .option('--dns-suffix <suffix>', 'DNS suffix (ACM)')
    .option('--label <key=value>', 'a label of the host (docs/policy.md); repeatable', collect, [])
    .option('--json', 'print JSON')
    .action((tenantId: string, hostId: string, options: RegisterOptions, command: Command) =>
      runCommand(io, async () => {
        const { json, label, ...fields } = options
        const labels = labelsToSet(label)
        const body = { hostId, ...fields, ...(Object.keys(labels).length > 0 ? { labels } : {}) }
        const registered = await clientFor(command, io).registerHost(tenantId, body)
        if (json) return printJson(io, registered)
        const { username, password, url } = registered.mqtt
        io.out(
          `registered ${tenantId}/${hostId}\nmqtt username: ${username}\nmqtt password: ${password}\n${url ? `mqtt url:      ${url}\n` : ''}`,
        )
        io.err('the password is shown only now: put it into the agent configuration\n')
      }),
    )

  for (const [name, state] of [
    ['activate', 'PROVISIONED'],
    ['deactivate', 'UNPROVISIONED'],
  ] as const) {
    const command = withBulkTargetOptions(
      hosts
        .command(`${name} <tenantId> [hostIds...]`)
        .description(`${name} AMT on the named hosts, or on every host of the tenant (--all) or with labels (--label)`),
    )
      .addOption(new Option('--control-mode <mode>', 'AMT control mode').choices(['CCM', 'ACM']))
      .option('--dns-suffix <suffix>', 'DNS suffix (ACM)')
      .option('--json', 'print JSON')
    if (state === 'UNPROVISIONED') {
      command.option('--local', 'admin: if RPS cannot deactivate, deactivate locally (RPS/MPS records stay behind)')
    }
    command.action((tenantId: string, hostIds: string[], options: DesiredOptions, command: Command) =>
      runCommand(io, async () => {
        const selection = bulkTargetOf(hostIds, options)
        const desired = {
          desiredAmtState: state,
          ...(options.controlMode ? { amtControlMode: options.controlMode } : {}),
          ...(options.dnsSuffix !== undefined ? { amtDnsSuffix: options.dnsSuffix } : {}),
          ...(options.local === true ? { localDeactivation: true } : {}),
        }
        const result = await clientFor(command, io).setDesiredBulk(tenantId, { ...desired, ...selection })
        if (options.json) return printJson(io, result)
        io.out(`desired ${state} set on ${result.count} host(s) of ${tenantId}\n`)
        const columns = [
          { header: 'HOST', value: (row: (typeof result.hosts)[number]) => row.hostId },
          { header: 'GENERATION', value: (row: (typeof result.hosts)[number]) => String(row.desiredGeneration) },
        ]
        if (result.count > 0) io.out(formatTable(columns, result.hosts))
      }),
    )
  }

  withControlOptions(
    withBulkTargetOptions(
      hosts
        .command('rotate-password <tenantId> [hostIds...]')
        .description(
          'rotate the AMT password of one host (rpc v3 agents; see `hosts show` for the outcome), or of many ' +
            '(several hosts, --all or --label) as a rollout under the controls (--max-concurrent and --rate needed)',
        ),
    ),
    { required: false },
  )
    .option('--json', 'print JSON')
    .action((tenantId: string, hostIds: string[], options: RotateOptions, command: Command) =>
      runCommand(io, async () => {
        const [hostId] = hostIds
        if (hostId !== undefined && hostIds.length === 1 && !rolloutAsked(options)) {
          const answer = await clientFor(command, io).rotatePassword(tenantId, hostId)
          if (options.json) return printJson(io, answer)
          return io.out(
            `password rotation ${answer.rotationId} asked for ${tenantId}/${hostId} ` +
              `(generation ${answer.host.desiredGeneration}): the agent changes it and reports\n`,
          )
        }
        const target = bulkTargetOf(hostIds, options)
        if (options.maxConcurrent === undefined || options.rate === undefined)
          throw new CliError('a rotation of many hosts is a rollout: give --max-concurrent and --rate', 2)
        const controls = controlsOf({ ...options, maxConcurrent: options.maxConcurrent, rate: options.rate })
        const rollout = await clientFor(command, io).rotatePasswords(tenantId, { ...target, controls })
        if (options.json) return printJson(io, rollout)
        io.out(
          `created rollout ${rollout.rolloutId} (rotate-password): ${rollout.progress.targeted} hosts, ` +
            `${rollout.state}; follow it with \`rollouts show ${tenantId} ${rollout.rolloutId} --watch\`\n`,
        )
      }),
    )

  hosts
    .command('delete <tenantId> <hostId>')
    .description('delete a host (after AMT deactivation unless --force)')
    .option('--force', 'admin: delete at once, even if AMT may stay activated')
    .action((tenantId: string, hostId: string, options: { force?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const { outcome } = await clientFor(command, io).deleteHost(tenantId, hostId, options.force === true)
        io.out(
          outcome === 'deleted'
            ? `deleted ${tenantId}/${hostId}\n`
            : `deactivation requested: ${tenantId}/${hostId} is removed once its agent reports AMT off\n`,
        )
      }),
    )

  addPowerCommand(hosts, io)
  addHostPolicyCommands(hosts, io)
  return hosts
}

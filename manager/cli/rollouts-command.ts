import { setTimeout as sleep } from 'node:timers/promises'
import { Command, Option } from 'commander'
import { clientFor, withConnectionOptions } from './connection.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { actionOf, controlsOf, countsOf, progressLine, rolloutText, type ControlOptions } from './rollout-text.ts'
import { formatTable } from './table.ts'
import { bulkTargetOf, withBulkTargetOptions, type BulkTargetOptions } from './bulk-target.ts'
import { applyGroup, withControlOptions } from './policy-apply-command.ts'

const FINAL = ['aborted', 'cancelled', 'completed']
const STEPS = ['approve', 'pause', 'resume', 'cancel'] as const

interface CreateOptions extends ControlOptions, BulkTargetOptions {
  activate?: boolean
  deactivate?: boolean
  group?: string
  controlMode?: 'CCM' | 'ACM'
  json?: boolean
}

/** `rollouts create|list|show|approve|pause|resume|cancel` (docs/rollouts.md), talking to the API. */
export function rolloutsCommand(io: CliIo): Command {
  const rollouts = withConnectionOptions(new Command('rollouts').description('rollouts: many hosts, under controls'))

  withControlOptions(
    withBulkTargetOptions(
      rollouts
        .command('create <tenantId> [hostIds...]')
        .description("create a rollout of the given hosts (or --all, --label), or apply a group's policy (--group)"),
    )
      .option('--activate', 'desired PROVISIONED')
      .option('--deactivate', 'desired UNPROVISIONED')
      .option('--group <name>', "the group's hosts in drift, one rollout per action their policy implies")
      .addOption(new Option('--control-mode <mode>', 'activate in this mode').choices(['CCM', 'ACM'])),
  )
    .option('--json', 'print JSON')
    .action((tenantId: string, hostIds: string[], options: CreateOptions, command: Command) => {
      if (options.group !== undefined) return applyGroup(io, command, tenantId, options.group, options)
      return runCommand(io, async () => {
        if (options.activate === options.deactivate) throw new CliError('give --activate or --deactivate', 2)
        const target = bulkTargetOf(hostIds, options)
        const rollout = await clientFor(command, io).createRollout(tenantId, {
          desiredAmtState: options.activate ? 'PROVISIONED' : 'UNPROVISIONED',
          ...(options.controlMode === undefined ? {} : { amtControlMode: options.controlMode }),
          ...target,
          controls: controlsOf(options),
        })
        if (options.json) return printJson(io, rollout)
        io.out(`created rollout ${rollout.rolloutId}: ${rollout.progress.targeted} hosts, ${rollout.state}\n`)
      })
    })

  rollouts
    .command('list <tenantId>')
    .description("the tenant's rollouts, newest first")
    .option('--json', 'print JSON')
    .action((tenantId: string, options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const { rollouts: found } = await clientFor(command, io).listRollouts(tenantId)
        if (options.json) return printJson(io, found)
        type Row = (typeof found)[number]
        const columns = [
          { header: 'ROLLOUT', value: (r: Row) => r.rolloutId },
          { header: 'STATE', value: (r: Row) => r.state },
          { header: 'ACTION', value: (r: Row) => actionOf(r) },
          { header: 'HOSTS', value: (r: Row) => String(r.progress.targeted) },
          { header: 'PROGRESS', value: (r: Row) => countsOf(r) },
          { header: 'CREATED', value: (r: Row) => r.createdAt },
        ]
        io.out(found.length === 0 ? 'no rollouts\n' : formatTable(columns, found))
      }),
    )

  rollouts
    .command('show <tenantId> <rolloutId>')
    .description('a rollout with its progress; --watch follows it until it ends')
    .option('--watch', 'follow: a live progress bar on a terminal, a line per change otherwise')
    .option('--interval <ms>', 'how often --watch asks', '1000')
    .option('--json', 'print JSON')
    .action(
      (
        tenantId: string,
        id: string,
        options: { watch?: boolean; interval: string; json?: boolean },
        command: Command,
      ) =>
        runCommand(io, async () => {
          const client = clientFor(command, io)
          let rollout = await client.getRollout(tenantId, id)
          if (options.json && !options.watch) return printJson(io, rollout)
          if (!options.watch) return io.out(rolloutText(rollout))
          const interval = Math.max(100, Number(options.interval) || 1000)
          let last = ''
          for (;;) {
            const line = progressLine(rollout)
            if (io.isTTY === true) io.out(`\r\x1b[2K${line}`)
            else if (line !== last) io.out(`${line}\n`)
            last = line
            if (FINAL.includes(rollout.state)) break
            await sleep(interval)
            rollout = await client.getRollout(tenantId, id)
          }
          if (io.isTTY === true) io.out('\n')
          if (rollout.reason !== null) io.out(`${rollout.state}: ${rollout.reason}\n`)
        }),
    )

  for (const step of STEPS) {
    rollouts
      .command(`${step} <tenantId> <rolloutId>`)
      .description(`${step} the rollout`)
      .option('--json', 'print JSON')
      .action((tenantId: string, id: string, options: { json?: boolean }, command: Command) =>
        runCommand(io, async () => {
          const rollout = await clientFor(command, io).rolloutStep(tenantId, id, step)
          if (options.json) return printJson(io, rollout)
          io.out(
            `rollout ${rollout.rolloutId}: ${rollout.state}${rollout.reason === null ? '' : ` (${rollout.reason})`}\n`,
          )
        }),
      )
  }
  return rollouts
}

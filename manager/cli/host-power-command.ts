import { Argument, type Command } from 'commander'
import { POWER_ACTION_CODES, POWER_ACTIONS } from '../dmt/power-actions.ts'
import { clientFor } from './connection.ts'
import { powerDetails } from './power-text.ts'
import { printJson, runCommand, type CliIo } from './io.ts'
import { formatFields } from './table.ts'

const CHOICES = [...POWER_ACTIONS, 'state']

/**
 * `hosts power <tenantId> <hostId> <action>`: a power action through MPS (POST .../power), or `state` to read the
 * power state from MPS (GET .../power). A refused action prints the server's reason (`MPS_REJECTED: … Device not
 * found/connected …`, `POWER_ACTION_FAILED: AMT answered …`, `MPS_UNAVAILABLE: …`) and exits 1.
 */
export function addPowerCommand(hosts: Command, io: CliIo): void {
  hosts
    .command('power')
    .description(
      `power action through MPS (${POWER_ACTIONS.map((action) => `${action} ${POWER_ACTION_CODES[action]}`).join(', ')}), or read the state`,
    )
    .argument('<tenantId>')
    .argument('<hostId>')
    .addArgument(new Argument('<action>', 'what to do').choices(CHOICES))
    .option('--json', 'print JSON')
    .action((tenantId: string, hostId: string, action: string, options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const client = clientFor(command, io)
        if (action === 'state') {
          const reading = await client.powerState(tenantId, hostId)
          if (options.json) return printJson(io, reading)
          return io.out(formatFields(powerDetails(reading.power, Date.now())))
        }
        const answer = await client.powerAction(tenantId, hostId, action)
        if (options.json) return printJson(io, answer)
        io.out(
          `power action ${answer.action} done on ${tenantId}/${hostId}: AMT answered ${answer.returnValueStr || answer.returnValue}\n`,
        )
        io.out(formatFields(powerDetails(answer.power, Date.now())))
      }),
    )
}

import type { Command } from 'commander'
import { groupsCommand } from './groups-command.ts'
import { hostsCommand } from './hosts-commands.ts'
import { processIo, type CliIo } from './io.ts'
import { rolloutsCommand } from './rollouts-command.ts'
import { tenantsCommand } from './tenants-command.ts'
import { tokensCommand } from './tokens-command.ts'

/**
 * Adds the client commands to a CLI program (the manager's `amt-manager` or the standalone `amtctl`):
 *   hosts   list | show | register | activate | deactivate | delete   (HTTP API; --url/--token or AMT_MANAGER_URL/AMT_MANAGER_TOKEN)
 *   groups  list | show | set | delete                               (HTTP API)
 *   rollouts create | list | show [--watch] | approve | pause | resume | cancel   (HTTP API)
 *   tenants list | create | acm-certificate set|show|remove           (HTTP API)
 *   tokens  create | list | revoke                                   (local token file)
 * Failures print one `error: ...` line on stderr and set a non-zero exit code (1; 2 for usage errors).
 */
export function registerClientCommands(program: Command, io: CliIo = processIo): Command {
  return program
    .addCommand(hostsCommand(io))
    .addCommand(groupsCommand(io))
    .addCommand(rolloutsCommand(io))
    .addCommand(tenantsCommand(io))
    .addCommand(tokensCommand(io))
}

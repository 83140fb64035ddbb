import path from 'node:path'
import { Command, Option } from 'commander'
import { issueToken, tokenInfo } from '../api/tokens/api-token.ts'
import { FileTokenStore } from '../api/tokens/file-token-store.ts'
import { DEFAULT_TOKENS_FILE_NAME } from '../config/config.ts'
import { GLOBAL_SCOPE, ROLES, TenantScope, TokenName, type Role } from '../api/tokens/token-store.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { formatTable } from './table.ts'

/** The default token file: $AMT_MANAGER_TOKENS_FILE, else ./data/api-tokens.json (next to the SQLite Inventory). */
function defaultTokensFile(env: CliIo['env']): string {
  return env.AMT_MANAGER_TOKENS_FILE ?? path.join('data', DEFAULT_TOKENS_FILE_NAME)
}

/**
 * `tokens create|list|revoke`: LOCAL commands on the token file (no API call), for the operator of the
 * manager's machine; the running manager sees changes at once. `create` prints the token text once.
 */
export function tokensCommand(io: CliIo): Command {
  const tokens = new Command('tokens')
    .description('API tokens (local: edits the token file)')
    .option('--file <path>', 'token file (env AMT_MANAGER_TOKENS_FILE, default ./data/api-tokens.json)')
  const storeOf = (command: Command) =>
    new FileTokenStore(command.optsWithGlobals<{ file?: string }>().file ?? defaultTokensFile(io.env))

  tokens
    .command('create')
    .description('create a token and print it (shown only now)')
    .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory())
    .option('--tenant <tenantId>', `the tenant it may see, or "${GLOBAL_SCOPE}" for all`)
    .option('--global', `same as --tenant "${GLOBAL_SCOPE}"`)
    .option('--name <name>', 'unique name (audit actor api:<name>); default <role>-<id>')
    .option('--json', 'print JSON')
    .action(
      (options: { role: Role; tenant?: string; global?: boolean; name?: string; json?: boolean }, command: Command) =>
        runCommand(io, async () => {
          const tenant = options.global ? GLOBAL_SCOPE : options.tenant
          if (tenant === undefined || (options.global && options.tenant !== undefined))
            throw new CliError('pass --tenant <tenantId> or --global', 2)
          if (!TenantScope.safeParse(tenant).success)
            throw new CliError(`--tenant must be "${GLOBAL_SCOPE}" or a tenant id`, 2)
          if (options.name !== undefined && !TokenName.safeParse(options.name).success)
            throw new CliError('--name must be 1-64 characters of [A-Za-z0-9._-]', 2)
          const store = storeOf(command)
          const { token, info } = await issueToken(store, {
            role: options.role,
            tenant,
            ...(options.name === undefined ? {} : { name: options.name }),
          })
          if (options.json) return printJson(io, { ...info, token })
          io.out(`${token}\n`)
          io.err(
            `token ${info.name} (id ${info.id}, role ${info.role}, tenant ${info.tenant}) stored in ${store.file}; it is shown only now\n`,
          )
        }),
    )

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const found = (await storeOf(command).list()).map(tokenInfo)
        if (options.json) return printJson(io, found)
        const columns = (['id', 'name', 'role', 'tenant', 'createdAt'] as const).map((key) => ({
          header: key.toUpperCase(),
          value: (row: (typeof found)[number]) => row[key],
        }))
        io.out(found.length === 0 ? 'no tokens\n' : formatTable(columns, found))
      }),
    )

  tokens
    .command('revoke <tokenId>')
    .description('revoke a token (effective at once)')
    .action((tokenId: string, _options: object, command: Command) =>
      runCommand(io, async () => {
        if (!(await storeOf(command).remove(tokenId))) throw new CliError(`no token with id ${tokenId}`)
        io.out(`revoked ${tokenId}\n`)
      }),
    )

  return tokens
}

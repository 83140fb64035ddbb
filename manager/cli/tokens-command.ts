import { Command, Option } from 'commander'
import { issueToken, tokenInfo } from '../api/tokens/api-token.ts'
import type { OpenedTokenStore } from '../api/tokens/open-token-store.ts'
import { GLOBAL_SCOPE, ROLES, TenantScope, TokenName, type Role } from '../api/tokens/token-store.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { ENV_CONFIG, ENV_DATA_DIR, openLocalTokenStore, type TokenStoreChoice } from './local-token-store.ts'
import { formatTable } from './table.ts'

/**
 * `tokens create|list|revoke`: LOCAL commands on the manager's token store (no API call), for the operator of the
 * manager's machine (local-token-store.ts: the store of `--config`'s database, or the SQLite one in `--data-dir`);
 * the running manager sees changes at once. `create` prints the token text once.
 */
export function tokensCommand(io: CliIo): Command {
  const tokens = new Command('tokens')
    .description("API tokens (local: edits the manager's token store)")
    .option('-c, --config <file>', `the manager configuration: its database's store (env ${ENV_CONFIG})`)
    .option('--data-dir <dir>', `without a configuration: the SQLite store in this directory (env ${ENV_DATA_DIR})`)
  /** Runs `work` on the store, closed afterwards (success or not). */
  const withStore = async (command: Command, work: (opened: OpenedTokenStore) => Promise<void>): Promise<void> => {
    const choice = command.optsWithGlobals<TokenStoreChoice>()
    if (choice.config !== undefined && choice.dataDir !== undefined)
      throw new CliError('pass --config or --data-dir, not both', 2)
    const opened = await openLocalTokenStore(choice, io)
    try {
      await work(opened)
    } finally {
      await opened.close()
    }
  }

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
          await withStore(command, async ({ tokens: store, where }) => {
            const { token, info } = await issueToken(store, {
              role: options.role,
              tenant,
              ...(options.name === undefined ? {} : { name: options.name }),
            })
            if (options.json) return printJson(io, { ...info, token })
            io.out(`${token}\n`)
            io.err(
              `token ${info.name} (id ${info.id}, role ${info.role}, tenant ${info.tenant}) stored in ${where}; it is shown only now\n`,
            )
          })
        }),
    )

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      runCommand(io, () =>
        withStore(command, async ({ tokens: store }) => {
          const found = (await store.list()).map(tokenInfo)
          if (options.json) return printJson(io, found)
          const columns = (['id', 'name', 'role', 'tenant', 'createdAt'] as const).map((key) => ({
            header: key.toUpperCase(),
            value: (row: (typeof found)[number]) => row[key],
          }))
          io.out(found.length === 0 ? 'no tokens\n' : formatTable(columns, found))
        }),
      ),
    )

  tokens
    .command('revoke <tokenId>')
    .description('revoke a token (effective at once)')
    .action((tokenId: string, _options: object, command: Command) =>
      runCommand(io, () =>
        withStore(command, async ({ tokens: store }) => {
          if (!(await store.remove(tokenId))) throw new CliError(`no token with id ${tokenId}`)
          io.out(`revoked ${tokenId}\n`)
        }),
      ),
    )

  return tokens
}

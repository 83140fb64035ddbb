import { Command, Option } from 'commander'
import { clientFor, withConnectionOptions } from './connection.ts'
import { printJson, runCommand, type CliIo } from './io.ts'
import { formatTable } from './table.ts'
import { acmCertificateCommand } from './tenant-acm-command.ts'

/** `tenants list|create|acm-certificate`, talking to the API (create: global admin token). */
export function tenantsCommand(io: CliIo): Command {
  const tenants = withConnectionOptions(new Command('tenants').description('tenants'))

  tenants
    .command('list')
    .description('tenants the token can see')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const { tenants: found } = await clientFor(command, io).listTenants()
        if (options.json) return printJson(io, found)
        const columns = [
          { header: 'TENANT', value: (tenant: (typeof found)[number]) => tenant.tenantId },
          { header: 'NAME', value: (tenant: (typeof found)[number]) => tenant.name },
          { header: 'PASSWORDS', value: (tenant: (typeof found)[number]) => tenant.passwordPolicy },
          { header: 'CREATED', value: (tenant: (typeof found)[number]) => tenant.createdAt },
        ]
        io.out(found.length === 0 ? 'no tenants\n' : formatTable(columns, found))
      }),
    )

  tenants
    .command('create <tenantId>')
    .description('create a tenant')
    .option('--name <name>', 'display name')
    .addOption(
      new Option('--password-policy <policy>', 'AMT passwords: one per tenant or one per host').choices([
        'static',
        'random',
      ]),
    )
    .option('--json', 'print JSON')
    .action(
      (
        tenantId: string,
        options: { name?: string; passwordPolicy?: 'static' | 'random'; json?: boolean },
        command: Command,
      ) =>
        runCommand(io, async () => {
          const { json, ...fields } = options
          const tenant = await clientFor(command, io).createTenant({ tenantId, ...fields })
          if (json) return printJson(io, tenant)
          io.out(`created tenant ${tenant.tenantId}\n`)
        }),
    )

  tenants.addCommand(acmCertificateCommand(io))

  return tenants
}

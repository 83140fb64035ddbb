import { readFile } from 'node:fs/promises'
import { Command } from 'commander'
import type { z } from 'zod'
import type { StoredCertificateView } from '../api/routes/tenant-acm-certificate.ts'
import { clientFor } from './connection.ts'
import { CliError, printJson, runCommand, type CliIo } from './io.ts'
import { formatTable } from './table.ts'
import { escapeForTerminal } from './terminal-text.ts'

/**
 * `tenants acm-certificate set|show|remove`: the tenant's ACM provisioning certificate for ACM eligibility
 * (docs/policy.md "ACM eligibility", docs/operations.md). Only the public PEM chain is sent, never a private key.
 */
type Certificate = z.infer<typeof StoredCertificateView>

const orDash = (value: string | null): string => value ?? '-'

const COLUMNS = [
  { header: 'SOURCE', value: (c: Certificate) => c.source },
  { header: 'COMMON NAME', value: (c: Certificate) => c.commonName },
  { header: 'DOMAIN SUFFIX', value: (c: Certificate) => c.domainSuffix },
  { header: 'NOT AFTER', value: (c: Certificate) => c.notAfter },
  { header: 'ROOT SHA-256', value: (c: Certificate) => orDash(c.rootSha256) },
  { header: 'UPDATED', value: (c: Certificate) => orDash(c.updatedAt) },
  { header: 'ACTOR', value: (c: Certificate) => orDash(c.actor) },
]

const warningsOf = (certificates: Certificate[]): string =>
  certificates
    .filter((c) => c.expiryWarning !== null)
    .map((c) => `warning: ${escapeForTerminal(`${c.source} ${c.commonName}: ${c.expiryWarning}`)}\n`)
    .join('')

/** The chain file's text; a file that cannot be read is a usage error (its content is never printed). */
async function chainOf(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new CliError(`cannot read the chain file ${file} (${code})`, 2)
  }
}

export function acmCertificateCommand(io: CliIo): Command {
  const acm = new Command('acm-certificate').description(
    "the tenant's ACM provisioning certificate (public PEM chain) used for ACM eligibility",
  )

  acm
    .command('set <tenantId>')
    .description('store the public PEM chain (leaf and chain up to the root, no private key); admin, no restart')
    .requiredOption('--chain-file <file>', 'PEM file: the leaf and its chain up to the root, never the private key')
    .option('--domain-suffix <suffix>', "the DNS suffix it is for (default: the leaf's CN without its first label)")
    .option('--json', 'print JSON')
    .action(
      (tenantId: string, options: { chainFile: string; domainSuffix?: string; json?: boolean }, command: Command) =>
        runCommand(io, async () => {
          const chain = await chainOf(options.chainFile)
          const stored = await clientFor(command, io).setAcmCertificate(tenantId, {
            chain,
            ...(options.domainSuffix === undefined ? {} : { domainSuffix: options.domainSuffix }),
          })
          if (options.json) return printJson(io, stored)
          const text =
            `stored the ACM provisioning certificate of ${tenantId}: ${stored.commonName} for ` +
            `${stored.domainSuffix}, not after ${stored.notAfter}, root ${orDash(stored.rootSha256)}`
          io.out(`${escapeForTerminal(text)}\n`)
          io.out(warningsOf([stored]))
        }),
    )

  acm
    .command('show <tenantId>')
    .description('every certificate ACM eligibility uses for the tenant (config file, API, RPS domain)')
    .option('--json', 'print JSON')
    .action((tenantId: string, options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const { certificates } = await clientFor(command, io).acmCertificates(tenantId)
        if (options.json) return printJson(io, certificates)
        if (certificates.length === 0) return io.out(`no ACM provisioning certificate for ${tenantId}\n`)
        io.out(formatTable(COLUMNS, certificates))
        io.out(warningsOf(certificates))
      }),
    )

  acm
    .command('remove <tenantId>')
    .description("remove the certificate set through the API (not the config file's, nor the RPS domain's); admin")
    .option('--json', 'print JSON')
    .action((tenantId: string, options: { json?: boolean }, command: Command) =>
      runCommand(io, async () => {
        const answer = await clientFor(command, io).removeAcmCertificate(tenantId)
        if (options.json) return printJson(io, answer)
        io.out(
          answer.removed
            ? `removed the ACM provisioning certificate of ${tenantId} set through the API\n`
            : `no ACM provisioning certificate of ${tenantId} was set through the API\n`,
        )
      }),
    )

  return acm
}

import { z } from 'zod'
import { readSecret } from '../../lib/config-file.ts'
import type { SecretValue } from '../../lib/secret-value.ts'
import { DEFAULT_LEASE_TIMINGS } from '../database/postgres-lease.ts'
import { DEFAULT_WAL_AUTOCHECKPOINT_PAGES } from '../inventory/sqlite/open.ts'
import { urlHasPassword } from '../database/postgres-pool.ts'
import type { ResolveContext } from './resolve.ts'

/** The database password when it is not in `passwordFile` (never in the URL, never in the YAML). */
export const ENV_DATABASE_PASSWORD = 'AMT_MANAGER_DATABASE_PASSWORD'

const DATABASE_DEFAULTS = {
  poolSize: 10,
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
} as const

const FilePath = z.string().min(1).max(4096)

const lease = DEFAULT_LEASE_TIMINGS

/** Timing of the lease under which once-cluster-wide work runs (docs/architecture.md "Leases"). */
const Lease = z
  .strictObject({
    ttlMs: z.int().min(1000).max(600_000).default(lease.ttlMs).describe('a dead holder is replaced within ~ttlMs'),
    renewMs: z.int().min(100).max(200_000).default(lease.renewMs).describe('at most ttlMs / 3'),
  })
  .refine((timings) => timings.renewMs * 3 <= timings.ttlMs, {
    message: 'renewMs must be at most ttlMs / 3',
    path: ['renewMs'],
  })
  .prefault({})

const Postgres = z.strictObject({
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgresql:// URL' })
    .max(2048)
    .refine((url) => !urlHasPassword(url), {
      message: `must not carry a password: use passwordFile or ${ENV_DATABASE_PASSWORD}`,
    })
    .describe('postgresql://user@host:5432/database?sslmode=verify-full (libpq syntax; a socket: ?host=/dir)'),
  passwordFile: FilePath.optional().describe(`or env ${ENV_DATABASE_PASSWORD}; absent: no password (trust, peer)`),
  caFile: FilePath.optional().describe("PEM of the CA that signed the server's certificate (TLS, verified)"),
  poolSize: z.int().min(1).max(200).default(DATABASE_DEFAULTS.poolSize),
  connectTimeoutMs: z.int().min(100).max(120_000).default(DATABASE_DEFAULTS.connectTimeoutMs),
  statementTimeoutMs: z.int().min(100).max(600_000).default(DATABASE_DEFAULTS.statementTimeoutMs),
  lease: Lease,
})

const Sqlite = z
  .strictObject({
    walAutocheckpointPages: z
      .int()
      .min(100)
      .max(1_000_000)
      .default(DEFAULT_WAL_AUTOCHECKPOINT_PAGES)
      .describe("the Inventory's WAL is checkpointed once it holds this many 4 KiB pages (docs/inventory.md)"),
  })
  .prefault({})

/**
 * The `database` section (docs/operations.md): where the Inventory, the API tokens and the cluster's leases live.
 * `sqlite` (the default): files in the data directory, one manager process. `postgres`: a shared database, what
 * replicas need (docs/deployment.md).
 */
export const DatabaseSection = z
  .discriminatedUnion('engine', [
    z.strictObject({ engine: z.literal('sqlite'), sqlite: Sqlite }),
    z.strictObject({ engine: z.literal('postgres'), postgres: Postgres }),
  ])
  .prefault({ engine: 'sqlite' })

export type DatabaseSection = z.infer<typeof DatabaseSection>

export type DatabaseSettings =
  | { engine: 'sqlite'; sqlite: z.infer<typeof Sqlite> }
  | {
      engine: 'postgres'
      postgres: Omit<z.infer<typeof Postgres>, 'passwordFile' | 'caFile'> & { password?: SecretValue; ca?: string }
    }

export function resolveDatabase(section: DatabaseSection, ctx: ResolveContext): DatabaseSettings {
  if (section.engine === 'sqlite') return section
  const { passwordFile, caFile, ...rest } = section.postgres
  const password = readSecret(
    ctx.env[ENV_DATABASE_PASSWORD],
    passwordFile === undefined ? undefined : ctx.resolve(passwordFile),
    'database.postgres.passwordFile',
    ctx.readFile,
    ctx.problems,
  )
  let ca: string | undefined
  if (caFile !== undefined) {
    try {
      ca = ctx.readFile(ctx.resolve(caFile))
    } catch {
      ctx.problems.push(`database.postgres.caFile: cannot read ${ctx.resolve(caFile)}`)
    }
  }
  return {
    engine: 'postgres',
    postgres: { ...rest, ...(password ? { password } : {}), ...(ca === undefined ? {} : { ca }) },
  }
}

import { z } from 'zod'
import { TenantId } from '../../schemas/ids.ts'
import { MpsConfig, RpsConfig, DmtConfig } from '../dmt/config.ts'
import { DEFAULT_PASSWORD_LENGTH } from '../secrets/passwords.ts'
import { LOCAL_MAX_VERSIONS } from '../secrets/local-host-versions.ts'
import { checkVaultPath, VAULT_DEFAULTS } from '../secrets/vault.ts'

/**
 * The integration sections of the manager's YAML (docs/operations.md): `secrets` (where AMT passwords live),
 * `passwords` (static passwords per tenant, generated length) and `dmt` (RPS and MPS; `grpc` is in grpc.ts).
 * Secrets are never values here: each comes from a file (`...File`) or from an environment variable (resolve.ts),
 * and is held as a `SecretValue` (lib/secret-value.ts) that prints `[redacted]`. The defaults are the components'
 * (VAULT_DEFAULTS, DEFAULT_PASSWORD_LENGTH, dmt/config.ts).
 */

const FilePath = z.string().min(1).max(4096)
const EnvName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, { message: 'must be an environment variable name ([A-Z_][A-Z0-9_]*)' })
const VaultPath = (allowEmpty: boolean) =>
  z
    .string()
    .max(256)
    .refine((value) => checkVaultPath(value, allowEmpty), {
      message: `must be ${allowEmpty ? 'empty or ' : ''}a path of [A-Za-z0-9_.-] segments`,
    })

const LocalStore = z.strictObject({
  kind: z.literal('local'),
  file: FilePath.optional().describe('SQLite database file; default <dataDir>/secrets.db; single machine only'),
  keyFile: FilePath.optional().describe('current key-encryption key <id>:<base64>; or env AMT_MANAGER_SECRETS_KEY'),
  previousKeyFiles: z.array(FilePath).max(8).default([]).describe('older keys, to re-seal records at start (rotation)'),
  maxVersions: z
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe(`versions of each host's password kept, the current one included; default ${LOCAL_MAX_VERSIONS}`),
})

const VaultAuth = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('token'),
    tokenFile: FilePath.optional().describe('or env AMT_MANAGER_VAULT_TOKEN'),
  }),
  z.strictObject({
    method: z.literal('approle'),
    roleId: z.string().min(1).max(256),
    secretIdFile: FilePath.optional().describe('or env AMT_MANAGER_VAULT_SECRET_ID; absent: a role without secret id'),
    mountPoint: VaultPath(false).optional(),
  }),
  z.strictObject({
    method: z.literal('kubernetes'),
    role: z.string().min(1).max(256),
    jwtFile: FilePath.default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
    mountPoint: VaultPath(false).optional(),
  }),
])

const VaultStore = z.strictObject({
  kind: z.literal('vault'),
  address: z.url({ protocol: /^https?$/ }).max(512),
  mount: VaultPath(false).default(VAULT_DEFAULTS.mount),
  pathPrefix: VaultPath(true).default(VAULT_DEFAULTS.pathPrefix),
  namespace: z.string().min(1).max(256).optional(),
  caFile: FilePath.optional().describe("PEM of the CA that signed Vault's certificate"),
  timeoutMs: z.int().min(100).max(120_000).default(VAULT_DEFAULTS.timeoutMs),
  retries: z.int().min(0).max(10).default(VAULT_DEFAULTS.retries),
  backoff: z
    .strictObject({
      baseMs: z.int().min(1).max(60_000).default(VAULT_DEFAULTS.backoff.baseMs),
      maxMs: z.int().min(1).max(300_000).default(VAULT_DEFAULTS.backoff.maxMs),
    })
    .prefault({}),
  auth: VaultAuth,
})

export const SecretsSection = z.discriminatedUnion('kind', [LocalStore, VaultStore]).prefault({ kind: 'local' })

const StaticPassword = z
  .strictObject({
    amtPasswordFile: FilePath.optional(),
    amtPasswordEnv: EnvName.optional(),
    mebxPasswordFile: FilePath.optional(),
    mebxPasswordEnv: EnvName.optional(),
  })
  .refine((entry) => (entry.amtPasswordFile === undefined) !== (entry.amtPasswordEnv === undefined), {
    message: 'give exactly one of amtPasswordFile and amtPasswordEnv',
    path: ['amtPasswordFile'],
  })
  .refine((entry) => entry.mebxPasswordFile === undefined || entry.mebxPasswordEnv === undefined, {
    message: 'give at most one of mebxPasswordFile and mebxPasswordEnv',
    path: ['mebxPasswordFile'],
  })

export const PasswordsSection = z
  .strictObject({
    length: z.int().min(8).max(32).default(DEFAULT_PASSWORD_LENGTH).describe('length of generated AMT/MEBx passwords'),
    static: z
      .record(z.union([TenantId, z.literal('*')]), StaticPassword)
      .default({})
      .describe(
        'static-policy passwords by tenant id (`*`: every static tenant without its own); absent: generated once',
      ),
  })
  .prefault({})

export const DmtSection = z.strictObject({
  rps: RpsConfig.omit({ token: true }).extend({
    tokenFile: FilePath.optional().describe('bearer token for the RPS API; or env AMT_MANAGER_RPS_TOKEN'),
  }),
  mps: MpsConfig.omit({ token: true, ciraPassword: true }).extend({
    tokenFile: FilePath.optional().describe('bearer token for the MPS API; or env AMT_MANAGER_MPS_TOKEN'),
    ciraPasswordFile: FilePath.optional().describe(
      'MPS password in the CIRA config; or env AMT_MANAGER_MPS_CIRA_PASSWORD; absent: RPS generates one per device',
    ),
  }),
  concurrency: DmtConfig.shape.concurrency,
  powerSweep: DmtConfig.shape.powerSweep,
  registrationSweep: DmtConfig.shape.registrationSweep,
})

export type SecretsSection = z.infer<typeof SecretsSection>
export type PasswordsSection = z.infer<typeof PasswordsSection>
export type DmtSection = z.infer<typeof DmtSection>

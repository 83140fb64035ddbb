import path from 'node:path'
import type { GrpcSection } from './grpc.ts'
import type { DmtSection, PasswordsSection, SecretsSection } from './sections.ts'
import { SecretValue } from '../../lib/secret-value.ts'
import { checkReadable, readSecret, type ReadFile } from '../../lib/config-file.ts'
import { MpsConfig } from '../dmt/config.ts'
import { amtPasswordProblems } from '../secrets/passwords.ts'

/** Environment variables for the integration secrets (each wins over its `...File`). */
export const ENV_VAULT_TOKEN = 'AMT_MANAGER_VAULT_TOKEN'
export const ENV_VAULT_SECRET_ID = 'AMT_MANAGER_VAULT_SECRET_ID'
export const ENV_RPS_TOKEN = 'AMT_MANAGER_RPS_TOKEN'
export const ENV_MPS_TOKEN = 'AMT_MANAGER_MPS_TOKEN'
const ENV_MPS_CIRA_PASSWORD = 'AMT_MANAGER_MPS_CIRA_PASSWORD'
/** The local store's current key-encryption key, and older ones (comma-separated) for rotation. */
export const ENV_SECRETS_KEY = 'AMT_MANAGER_SECRETS_KEY'
export const ENV_SECRETS_PREVIOUS_KEYS = 'AMT_MANAGER_SECRETS_PREVIOUS_KEYS'

/** The local secret store's database file (in dataDir) when `secrets.file` is not given. */
const DEFAULT_SECRETS_FILE_NAME = 'secrets.db'

type VaultSection = Extract<SecretsSection, { kind: 'vault' }>
type VaultAuth =
  | { method: 'token'; token: SecretValue }
  | { method: 'approle'; roleId: string; secretId?: SecretValue; mountPoint?: string }
  | { method: 'kubernetes'; role: string; jwtFile: string; mountPoint?: string }

/** The secret store settings as createSecretStore takes them (paths absolute, secrets resolved). */
export type SecretsSettings =
  | { kind: 'local'; file: string; key?: SecretValue; previousKeys?: SecretValue[]; maxVersions?: number }
  | (Omit<VaultSection, 'auth'> & { auth: VaultAuth })

export interface PasswordsSettings {
  length: number
  /** By tenant id or `*`, as createAmtPasswordSource takes them. */
  static: Record<string, { amtPassword: SecretValue; mebxPassword?: SecretValue }>
}

export type DmtSettings = Omit<DmtSection, 'rps' | 'mps'> & {
  rps: Omit<DmtSection['rps'], 'tokenFile'> & { token?: SecretValue }
  mps: Omit<DmtSection['mps'], 'tokenFile' | 'ciraPasswordFile'> & { token?: SecretValue; ciraPassword?: SecretValue }
}

export type GrpcSettings = GrpcSection

export interface ResolveContext {
  env: NodeJS.ProcessEnv
  /** Makes a configured path absolute (against the config file's directory). */
  resolve: (file: string) => string
  readFile: ReadFile
  dataDir: string
  problems: string[]
}

const optional = <T>(key: string, value: T | null | undefined): Record<string, T> =>
  value === null || value === undefined ? {} : { [key]: value }

export function resolveSecretsSection(section: SecretsSection, ctx: ResolveContext): SecretsSettings {
  if (section.kind === 'local') return resolveLocalSecrets(section, ctx)
  const caFile = section.caFile === undefined ? undefined : ctx.resolve(section.caFile)
  checkReadable([['secrets.caFile', caFile]], ctx.readFile, ctx.problems)
  const { auth, ...rest } = section
  const base = { ...rest, ...optional('caFile', caFile) }
  switch (auth.method) {
    case 'token': {
      const token = readSecret(
        ctx.env[ENV_VAULT_TOKEN],
        optionalPath(auth.tokenFile, ctx),
        'secrets.auth.tokenFile',
        ctx.readFile,
        ctx.problems,
      )
      if (token === null) ctx.problems.push(`secrets.auth.tokenFile: required (or set ${ENV_VAULT_TOKEN})`)
      // Without a token the configuration is refused; the empty stand-in only keeps the type.
      return { ...base, auth: { method: 'token', token: token ?? new SecretValue('') } }
    }
    case 'approle': {
      const secretId = readSecret(
        ctx.env[ENV_VAULT_SECRET_ID],
        optionalPath(auth.secretIdFile, ctx),
        'secrets.auth.secretIdFile',
        ctx.readFile,
        ctx.problems,
      )
      return {
        ...base,
        auth: {
          method: 'approle',
          roleId: auth.roleId,
          ...optional('secretId', secretId),
          ...optional('mountPoint', auth.mountPoint),
        },
      }
    }
    case 'kubernetes': {
      const jwtFile = ctx.resolve(auth.jwtFile)
      checkReadable([['secrets.auth.jwtFile', jwtFile]], ctx.readFile, ctx.problems)
      return {
        ...base,
        auth: { method: 'kubernetes', role: auth.role, jwtFile, ...optional('mountPoint', auth.mountPoint) },
      }
    }
  }
}

type LocalSection = Extract<SecretsSection, { kind: 'local' }>

/**
 * The local store: its file and its key-encryption keys, each from the environment (wins) or its file. No key:
 * createSecretStore generates one next to the database and warns (docs/secrets.md).
 */
function resolveLocalSecrets(section: LocalSection, ctx: ResolveContext): SecretsSettings {
  const file =
    section.file === undefined ? path.join(ctx.dataDir, DEFAULT_SECRETS_FILE_NAME) : ctx.resolve(section.file)
  const keyFile = optionalPath(section.keyFile, ctx)
  const key = readSecret(ctx.env[ENV_SECRETS_KEY], keyFile, 'secrets.keyFile', ctx.readFile, ctx.problems)
  const fromEnv = (ctx.env[ENV_SECRETS_PREVIOUS_KEYS] ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '')
  const previous =
    fromEnv.length > 0
      ? fromEnv.map((text) => new SecretValue(text))
      : section.previousKeyFiles.flatMap((keyFile, index) => {
          const where = `secrets.previousKeyFiles.${index}`
          return readSecret(undefined, ctx.resolve(keyFile), where, ctx.readFile, ctx.problems) ?? []
        })
  return {
    kind: 'local',
    file,
    ...optional('key', key),
    ...(previous.length > 0 ? { previousKeys: previous } : {}),
    ...optional('maxVersions', section.maxVersions),
  }
}

/**
 * Static passwords from their files or environment variables, checked against AMT's rules, and against RPS's
 * profile validator when RPS is managed (it is stricter; the value is never echoed).
 */
export function resolvePasswords(
  section: PasswordsSection,
  ctx: ResolveContext,
  { rpsManaged }: { rpsManaged: boolean },
): PasswordsSettings {
  const resolved: PasswordsSettings['static'] = {}
  for (const [tenant, entry] of Object.entries(section.static)) {
    const key = `passwords.static.${tenant}`
    const read = (
      file: string | undefined,
      envName: string | undefined,
      name: 'amtPassword' | 'mebxPassword',
    ): SecretValue | null => {
      const where = envName === undefined ? `${key}.${name}File` : `${key}.${name}Env`
      if (envName !== undefined && (ctx.env[envName] ?? '') === '') {
        ctx.problems.push(`${where}: ${envName} is not set`)
        return null
      }
      const secret = readSecret(
        envName === undefined ? undefined : ctx.env[envName],
        optionalPath(file, ctx),
        where,
        ctx.readFile,
        ctx.problems,
      )
      const problems =
        secret === null
          ? []
          : [...amtPasswordProblems(secret.reveal()), ...(rpsManaged ? rpsPasswordProblems(secret.reveal()) : [])]
      for (const problem of problems) ctx.problems.push(`${where}: the password ${problem}`)
      return secret
    }
    const amtPassword = read(entry.amtPasswordFile, entry.amtPasswordEnv, 'amtPassword')
    const mebxPassword = read(entry.mebxPasswordFile, entry.mebxPasswordEnv, 'mebxPassword')
    if (amtPassword !== null) resolved[tenant] = { amtPassword, ...optional('mebxPassword', mebxPassword) }
  }
  return { length: section.length, static: resolved }
}

export function resolveDmt(section: DmtSection | undefined, ctx: ResolveContext): DmtSettings | null {
  if (section === undefined) return null
  const { tokenFile: rpsTokenFile, ...rps } = section.rps
  const { tokenFile: mpsTokenFile, ciraPasswordFile, ...mps } = section.mps
  const rpsToken = readSecret(
    ctx.env[ENV_RPS_TOKEN],
    optionalPath(rpsTokenFile, ctx),
    'dmt.rps.tokenFile',
    ctx.readFile,
    ctx.problems,
  )
  const mpsToken = readSecret(
    ctx.env[ENV_MPS_TOKEN],
    optionalPath(mpsTokenFile, ctx),
    'dmt.mps.tokenFile',
    ctx.readFile,
    ctx.problems,
  )
  const ciraPassword = readSecret(
    ctx.env[ENV_MPS_CIRA_PASSWORD],
    optionalPath(ciraPasswordFile, ctx),
    'dmt.mps.ciraPasswordFile',
    ctx.readFile,
    ctx.problems,
  )
  if (ciraPassword !== null && !MpsConfig.shape.ciraPassword.safeParse(ciraPassword.reveal()).success) {
    ctx.problems.push('dmt.mps.ciraPasswordFile: the CIRA password must have 8-63 characters')
  }
  return {
    ...section,
    rps: { ...rps, ...optional('token', rpsToken) },
    mps: { ...mps, ...optional('token', mpsToken), ...optional('ciraPassword', ciraPassword) },
  }
}

export function resolveGrpc(section: GrpcSection | undefined, ctx: ResolveContext): GrpcSettings | null {
  if (section === undefined) return null
  const tls = section.tls && { certFile: ctx.resolve(section.tls.certFile), keyFile: ctx.resolve(section.tls.keyFile) }
  const auth = {
    ...section.auth,
    ...optional('publicKeyFile', optionalPath(section.auth.publicKeyFile, ctx)),
    ...optional('jwksFile', optionalPath(section.auth.jwksFile, ctx)),
  }
  checkReadable(
    [
      ['grpc.tls.certFile', tls?.certFile],
      ['grpc.tls.keyFile', tls?.keyFile],
      ['grpc.auth.publicKeyFile', auth.publicKeyFile],
      ['grpc.auth.jwksFile', auth.jwksFile],
    ],
    ctx.readFile,
    ctx.problems,
  )
  return { ...section, ...optional('tls', tls), auth }
}

function optionalPath(file: string | undefined, ctx: ResolveContext): string | undefined {
  return file === undefined ? undefined : ctx.resolve(file)
}

/** RPS's profile password validator, beyond AMT's rules (RPS's amtProfileValidator). */
function rpsPasswordProblems(password: string): string[] {
  const problems: string[] = []
  if (!/[!@#$%^&*]/.test(password)) problems.push('needs one of ! @ # $ % ^ & * (RPS refuses profiles without)')
  if (!/^[a-zA-Z0-9$@!%*#?&-_~^]*$/.test(password))
    problems.push('has a character RPS refuses (allowed: letters, digits, $ @ ! % * # ? & ~ ^ and & to _ in ASCII)')
  return problems
}

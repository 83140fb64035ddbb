import path from 'node:path'
import {
  resolveDmt,
  resolveGrpc,
  resolvePasswords,
  resolveSecretsSection,
  type DmtSettings,
  type GrpcSettings,
  type PasswordsSettings,
  type SecretsSettings,
} from './resolve.ts'
import { resolveDatabase, type DatabaseSettings } from './database.ts'
import { resolveAcm, type AcmSettings } from './acm.ts'
import { ManagerConfigFile, type EmbeddedBrokerConfig, type ExternalBrokerConfig } from './schema.ts'
import { resolveBrokerAuth, type BrokerAuthSettings } from './broker-auth.ts'
import type { SecretValue } from '../../lib/secret-value.ts'
import { withoutCredentials } from '../../lib/url.ts'
import { describeUrl } from '../database/postgres-pool.ts'
import { readRedisPassword, resolveClusterPaths } from '../../broker/cluster/redis-config.ts'
import { checkReadable, deepFreeze, readSecret, readUtf8, readYamlFile, type ReadFile } from '../../lib/config-file.ts'
import { describeIssues } from '../../schemas/issues.ts'

/** The legacy JSON token file (imported once into the token store) in the data directory; config `tokensFile`. */
export const DEFAULT_TOKENS_FILE_NAME = 'api-tokens.json'
/** The SQLite API token database in the data directory (database.engine sqlite). */
export const TOKEN_DATABASE_FILE_NAME = 'api-tokens.sqlite'
/** The SQLite database of the web console's sessions in the data directory (database.engine sqlite). */
export const SESSION_DATABASE_FILE_NAME = 'console-sessions.sqlite'
/** The SQLite database of the web console's activation-wave history in the data directory (engine sqlite). */
export const WAVE_DATABASE_FILE_NAME = 'console-waves.sqlite'

export { ManagerConfigFile, type ManagerConfigInput, type EmbeddedBrokerConfig } from './schema.ts'
export { ENV_MPS_TOKEN, ENV_RPS_TOKEN, ENV_VAULT_SECRET_ID, ENV_VAULT_TOKEN } from './resolve.ts'
export type { DmtSettings, GrpcSettings } from './resolve.ts'

/** Environment variables that override secrets (never put secrets in the YAML file itself). */
export const ENV_BROKER_PASSWORD = 'AMT_MANAGER_BROKER_PASSWORD'
/** A replica's name (Kubernetes: the pod name), appended to the MQTT client id of an external broker's session. */
export const ENV_INSTANCE = 'AMT_MANAGER_INSTANCE'
const INSTANCE_PATTERN = /^[A-Za-z0-9._-]{1,63}$/
/** The password of broker.embedded.cluster.redis. */
const ENV_REDIS_PASSWORD = 'AMT_MANAGER_REDIS_PASSWORD'

/**
 * The parsed configuration: paths absolute, defaults applied, secrets resolved into `SecretValue`s (files or the
 * environment), deeply frozen. `secrets` is the secret store, `credentials` the manager's own login secrets.
 */
export type ManagerConfig = Readonly<
  Omit<ManagerConfigFile, 'tokensFile' | 'broker' | 'database' | 'secrets' | 'passwords' | 'dmt' | 'grpc' | 'acm'> & {
    database: Readonly<DatabaseSettings>
    broker: Readonly<EmbeddedBrokerConfig> | Readonly<ExternalBrokerConfig>
    tokensFile: string
    secrets: Readonly<SecretsSettings>
    passwords: Readonly<PasswordsSettings>
    /** RPS/MPS; null when not configured (profiles are not managed). */
    dmt: Readonly<DmtSettings> | null
    /** The gRPC bridge; null when not configured. */
    grpc: Readonly<GrpcSettings> | null
    /** The tenants' ACM provisioning certificate facts (acm.ts). */
    acm: Readonly<AcmSettings>
    /** The HTTP auth endpoints for external brokers (api.brokerAuth); null when off. */
    brokerAuth: Readonly<BrokerAuthSettings> | null
    /** The external broker's password; the embedded broker's cluster Redis password. */
    credentials: Readonly<{ brokerPassword: SecretValue | null; redisPassword: SecretValue | null }>
  }
>

export type ConfigResult = { ok: true; config: ManagerConfig } | { ok: false; problems: string[] }

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  /** Directory relative paths are resolved against; default: the config file's directory (or the cwd). */
  baseDir?: string
  /** Reads a referenced file (passwordFile, certificates); tests pass their own. */
  readFile?: ReadFile
}

/** Reads and validates the YAML file. Relative paths in it are resolved against its directory. Never throws. */
export function loadManagerConfig(file: string, sources: ConfigSources = {}): ConfigResult {
  const read = readYamlFile(file, sources.readFile)
  return read.ok ? parseManagerConfig(read.document, { baseDir: path.dirname(path.resolve(file)), ...sources }) : read
}

/** Validates an already parsed document, resolves paths and secrets, checks referenced files, freezes. */
export function parseManagerConfig(
  document: unknown,
  { env = process.env, baseDir = process.cwd(), readFile = readUtf8 }: ConfigSources = {},
): ConfigResult {
  const parsed = ManagerConfigFile.safeParse(document)
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error, { listUnknownKeys: true }) }
  const resolve = (file: string): string => path.resolve(baseDir, file)
  const dataDir = resolve(parsed.data.dataDir)
  const problems: string[] = []
  const broker = withInstance(resolveBrokerPaths(parsed.data.broker, resolve), env[ENV_INSTANCE], problems)
  let brokerPassword: SecretValue | null = null
  let redisPassword: SecretValue | null = null
  if (broker.mode === 'external') {
    brokerPassword = readSecret(
      env[ENV_BROKER_PASSWORD],
      broker.passwordFile,
      'broker.external.passwordFile',
      readFile,
      problems,
    )
    if (brokerPassword === null && broker.certFile === undefined && problems.length === 0) {
      problems.push(
        `broker.external.passwordFile: required (or set ${ENV_BROKER_PASSWORD}) unless certFile and keyFile are given`,
      )
    }
    checkReadable(
      [
        ['broker.external.caFile', broker.caFile],
        ['broker.external.certFile', broker.certFile],
        ['broker.external.keyFile', broker.keyFile],
      ],
      readFile,
      problems,
    )
  } else {
    const tls = broker.tls
    checkReadable(
      [
        ['broker.embedded.tls.certFile', tls?.certFile],
        ['broker.embedded.tls.keyFile', tls?.keyFile],
        ['broker.embedded.tls.caFile', tls?.caFile],
      ],
      readFile,
      problems,
    )
    checkReadable([['broker.embedded.integratorsFile', broker.integratorsFile]], readFile, problems)
    const fromEnv = env[ENV_REDIS_PASSWORD]
    if (broker.cluster)
      redisPassword = readRedisPassword(broker.cluster, {
        fromEnv,
        key: 'broker.embedded.cluster.redis',
        problems,
        readFile,
      })
  }
  const ctx = { env, resolve, readFile, dataDir, problems }
  const database = resolveDatabase(parsed.data.database, ctx)
  const secrets = resolveSecretsSection(parsed.data.secrets, ctx)
  const passwords = resolvePasswords(parsed.data.passwords, ctx, { rpsManaged: parsed.data.dmt !== undefined })
  const dmt = resolveDmt(parsed.data.dmt, ctx)
  const grpc = resolveGrpc(parsed.data.grpc, ctx)
  const brokerAuth = resolveBrokerAuth(parsed.data.api.brokerAuth, ctx, broker.mode)
  const acm = resolveAcm(parsed.data.acm, ctx)
  if (problems.length > 0) return { ok: false, problems }
  const tokensFile =
    parsed.data.tokensFile === undefined
      ? path.join(dataDir, DEFAULT_TOKENS_FILE_NAME)
      : resolve(parsed.data.tokensFile)
  return {
    ok: true,
    config: deepFreeze({
      ...parsed.data,
      dataDir,
      broker,
      database,
      tokensFile,
      secrets,
      passwords,
      dmt,
      grpc,
      brokerAuth,
      acm,
      credentials: { brokerPassword, redisPassword },
    }),
  }
}

/** Replicas on one broker need distinct client ids: `<clientId>:<instance>` when the instance is named. */
function withInstance(
  broker: EmbeddedBrokerConfig | ExternalBrokerConfig,
  instance: string | undefined,
  problems: string[],
): EmbeddedBrokerConfig | ExternalBrokerConfig {
  if (broker.mode !== 'external' || instance === undefined || instance === '') return broker
  if (!INSTANCE_PATTERN.test(instance)) {
    problems.push(`${ENV_INSTANCE}: must be 1 to 63 of letters, digits, '.', '_' and '-'`)
    return broker
  }
  return { ...broker, clientId: `${broker.clientId}:${instance}` }
}

function resolveBrokerPaths(
  broker: EmbeddedBrokerConfig | ExternalBrokerConfig,
  resolve: (file: string) => string,
): EmbeddedBrokerConfig | ExternalBrokerConfig {
  const optional = (file: string | undefined): string | undefined => (file === undefined ? undefined : resolve(file))
  if (broker.mode === 'external') {
    return {
      ...broker,
      passwordFile: optional(broker.passwordFile),
      caFile: optional(broker.caFile),
      certFile: optional(broker.certFile),
      keyFile: optional(broker.keyFile),
    }
  }
  const tls = broker.tls && {
    ...broker.tls,
    certFile: resolve(broker.tls.certFile),
    keyFile: resolve(broker.tls.keyFile),
    caFile: optional(broker.tls.caFile),
  }
  const cluster = broker.cluster && resolveClusterPaths(broker.cluster, resolve)
  return { ...broker, tls, integratorsFile: optional(broker.integratorsFile), cluster }
}

export function configSummary(config: ManagerConfig): Record<string, unknown> {
  const { broker } = config
  return {
    dataDir: config.dataDir,
    database:
      config.database.engine === 'sqlite'
        ? { engine: 'sqlite', sqlite: config.database.sqlite }
        : {
            engine: 'postgres',
            url: describeUrl(config.database.postgres.url),
            password: config.database.postgres.password !== undefined,
            tls: config.database.postgres.ca !== undefined,
            poolSize: config.database.postgres.poolSize,
            lease: config.database.postgres.lease,
          },
    api: config.api,
    broker:
      broker.mode === 'embedded'
        ? {
            mode: 'embedded',
            tcp: broker.tcp,
            ws: broker.ws && { host: broker.ws.host, port: broker.ws.port },
            tls: broker.tls && { host: broker.tls.host, port: broker.tls.port },
            integratorsFile: broker.integratorsFile,
            cluster: broker.cluster,
          }
        : {
            mode: 'external',
            url: withoutCredentials(broker.url),
            username: broker.username,
            clientId: broker.clientId,
            persistentSession: broker.persistentSession,
            sharedGroup: broker.sharedGroup,
            mosquittoDynamicSecurity: broker.mosquittoDynamicSecurity,
            keepaliveSeconds: broker.keepaliveSeconds,
          },
    secrets:
      config.secrets.kind === 'local'
        ? { kind: 'local', file: config.secrets.file }
        : {
            kind: 'vault',
            address: withoutCredentials(config.secrets.address),
            mount: config.secrets.mount,
            pathPrefix: config.secrets.pathPrefix,
            auth: config.secrets.auth.method,
          },
    staticPasswords: Object.keys(config.passwords.static),
    dmt:
      config.dmt === null
        ? null
        : {
            rps: withoutCredentials(config.dmt.rps.url),
            mps: withoutCredentials(config.dmt.mps.url),
            mpsPublicAddress: config.dmt.mps.publicAddress,
          },
    rpsActivationUrl: config.dmt?.rps.activationUrl ?? config.rps.url ?? null,
    grpc:
      config.grpc === null
        ? null
        : { host: config.grpc.host, port: config.grpc.port, tls: config.grpc.tls !== undefined },
    deadlines: config.deadlines,
    tokensFile: config.tokensFile,
  }
}

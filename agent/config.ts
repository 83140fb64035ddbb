import { checkReadable, deepFreeze, readSecret, readUtf8, readYamlFile, type ReadFile } from '../lib/config-file.ts'
import { describeIssues } from '../schemas/issues.ts'
import { AgentConfigFile } from './config-schema.ts'
import type { SecretValue } from '../lib/secret-value.ts'

export { AgentConfigFile, type AgentConfigInput } from './config-schema.ts'

/** Environment variables that override secrets (never put secrets in the YAML file itself). */
export const ENV_BROKER_PASSWORD = 'AMT_AGENT_BROKER_PASSWORD'
export const ENV_RPS_TOKEN = 'AMT_AGENT_RPS_TOKEN'

export type AgentConfig = Readonly<AgentConfigFile> & {
  readonly secrets: Readonly<{ brokerPassword: SecretValue | null; rpsToken: SecretValue | null }>
}

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; problems: string[] }

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  /** Reads a referenced file (passwordFile); tests pass their own. */
  readFile?: ReadFile
}

/** Reads and validates the YAML config file. Every problem is reported with its path; nothing throws. */
export function loadAgentConfig(file: string, sources: ConfigSources = {}): ConfigResult {
  const read = readYamlFile(file, sources.readFile)
  return read.ok ? parseAgentConfig(read.document, sources) : read
}

/** Validates an already parsed document, resolves secrets from files and the environment, freezes the result. */
export function parseAgentConfig(
  document: unknown,
  { env = process.env, readFile = readUtf8 }: ConfigSources = {},
): ConfigResult {
  const parsed = AgentConfigFile.safeParse(document)
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error, { listUnknownKeys: true }) }
  const config = parsed.data

  const problems: string[] = []
  const brokerPassword = readSecret(
    env[ENV_BROKER_PASSWORD],
    config.broker.passwordFile,
    'broker.passwordFile',
    readFile,
    problems,
  )
  const rpsToken = readSecret(env[ENV_RPS_TOKEN], undefined, 'rps.token', readFile, problems)
  checkReadable(
    [
      ['broker.caFile', config.broker.caFile],
      ['broker.clientCertFile', config.broker.clientCertFile],
      ['broker.clientKeyFile', config.broker.clientKeyFile],
    ],
    readFile,
    problems,
  )
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: deepFreeze({ ...config, secrets: { brokerPassword, rpsToken } }) }
}

import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { AgentConfigFile } from './config-schema.ts'
import { SecretValue } from '../lib/secret-value.ts'

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
  readFile?: (path: string) => string
}

const readUtf8 = (path: string): string => readFileSync(path, 'utf8')

/** Reads and validates the YAML config file. Every problem is reported with its path; nothing throws. */
export function loadAgentConfig(file: string, sources: ConfigSources = {}): ConfigResult {
  let text: string
  try {
    text = (sources.readFile ?? readUtf8)(file)
  } catch (err) {
    return { ok: false, problems: [`${file}: cannot read (${errorCode(err)})`] }
  }
  let document: unknown
  try {
    document = parseYaml(text, { prettyErrors: true })
  } catch (err) {
    return { ok: false, problems: [`${file}: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : 'parse error'}`] }
  }
  return parseAgentConfig(document ?? {}, sources)
}

/** Validates an already parsed document, resolves secrets from files and the environment, freezes the result. */
export function parseAgentConfig(document: unknown, { env = process.env, readFile = readUtf8 }: ConfigSources = {}): ConfigResult {
  const parsed = AgentConfigFile.safeParse(document)
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues) }
  const config = parsed.data

  const problems: string[] = []
  const brokerPassword = resolveSecret(env[ENV_BROKER_PASSWORD], config.broker.passwordFile, 'broker.passwordFile', readFile, problems)
  const rpsToken = resolveSecret(env[ENV_RPS_TOKEN], undefined, 'rps.token', readFile, problems)
  for (const [key, file] of [
    ['broker.caFile', config.broker.caFile],
    ['broker.clientCertFile', config.broker.clientCertFile],
    ['broker.clientKeyFile', config.broker.clientKeyFile],
  ] as const) {
    if (file !== undefined) checkReadable(file, key, readFile, problems)
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: deepFreeze({ ...config, secrets: { brokerPassword, rpsToken } }) }
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
    if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.join(', ')}`
    return `${where}: ${issue.message}`
  })
}

function resolveSecret(
  fromEnv: string | undefined,
  file: string | undefined,
  key: string,
  readFile: (path: string) => string,
  problems: string[],
): SecretValue | null {
  if (fromEnv !== undefined && fromEnv !== '') return new SecretValue(fromEnv)
  if (file === undefined) return null
  try {
    const value = readFile(file).trim()
    if (value === '') problems.push(`${key}: ${file} is empty`)
    return new SecretValue(value)
  } catch (err) {
    problems.push(`${key}: cannot read ${file} (${errorCode(err)})`)
    return null
  }
}

function checkReadable(file: string, key: string, readFile: (path: string) => string, problems: string[]): void {
  try {
    readFile(file)
  } catch (err) {
    problems.push(`${key}: cannot read ${file} (${errorCode(err)})`)
  }
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code
  return 'unreadable'
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof SecretValue) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

import type { ActivateRequest, ChangePasswordRequest, DeactivateRequest, RpcVersion } from './port.ts'

/**
 * argv and environment of each rpc call, per line (../shared/reference/rpc-go.md). Secrets travel only in the
 * environment: AMT_PASSWORD (both lines), the RPS JWT as AUTH_TOKEN (v3). Exception: rpc v2 has no environment
 * default for `-token`, so a v2 token is in argv; it is redacted from logs and error texts.
 * The profile name is not a secret: v2 reads it from env PROFILE (kept out of argv as the reference asks), v3
 * ignores PROFILE and needs `--profile`.
 */
type RpcCommand = 'version' | 'amtinfo' | 'activate' | 'deactivate' | 'configure amtpassword'
export type RpcLineName = RpcVersion['line']

export interface RpcInvocation {
  command: RpcCommand
  argv: string[]
  /** Variables added to the child's (filtered) environment. */
  env: Record<string, string>
  /** Values that must never appear in logs or error messages. */
  secrets: string[]
  /** Which timeout applies: quick queries or activate/deactivate. */
  timeout: 'query' | 'operation'
}

/**
 * Variables rpc reads as flag defaults. They are removed from the inherited environment so nothing from the
 * agent's own environment reaches rpc unasked, and so is every RPC_* variable (v3's default env prefix) except
 * RPC_EMULATOR_*, the test emulator's own settings (test/fixtures/rpc-emulator), which real rpc ignores.
 */
const RPC_ENV_NAMES = [
  'AMT_PASSWORD',
  'PROFILE',
  'DNS_SUFFIX',
  'HOSTNAME',
  'TENANT_ID',
  'AUTH_TOKEN',
  'AUTH_USERNAME',
  'AUTH_PASSWORD',
  'AUTH_ENDPOINT',
  'MEBX_PASSWORD',
  'PROVISIONING_CERT',
  'PROVISIONING_CERT_PASSWORD',
  'CONFIG_ENCRYPTION_KEY',
] as const

/** The inherited environment minus everything rpc would read as a flag default. */
export function childEnvironment(base: NodeJS.ProcessEnv): Record<string, string> {
  const blocked = new Set<string>(RPC_ENV_NAMES)
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || blocked.has(name) || (name.startsWith('RPC_') && !name.startsWith('RPC_EMULATOR_')))
      continue
    env[name] = value
  }
  return env
}

const jsonFlag = (line: RpcLineName) => (line === 'v2' ? '-json' : '--json')
const present = (value: string | undefined): value is string => value !== undefined && value !== ''
const optional = (flag: string, value: string | undefined): string[] => (present(value) ? [flag, value] : [])

/** `version --json`: the double-dash form works on both lines (Go flag accepts it; Kong requires it). */
export function versionInvocation(): RpcInvocation {
  return { command: 'version', argv: ['version', '--json'], env: {}, secrets: [], timeout: 'query' }
}

/** Exactly `amtinfo -json` (v2) / `amtinfo --json` (v3): any extra v2 flag (even -n) selects no section at all. */
export function amtinfoInvocation(line: RpcLineName): RpcInvocation {
  return { command: 'amtinfo', argv: ['amtinfo', jsonFlag(line)], env: {}, secrets: [], timeout: 'query' }
}

/**
 * Only AMT's trusted root certificate hashes: `amtinfo -json -cert` (v2: any flag besides -json selects just the
 * sections named) / `amtinfo --json --cert` (v3). Slower than plain amtinfo (one ME call per hash), so the agent
 * reads it once per firmware; no secret is involved.
 */
export function amtinfoCertificatesInvocation(line: RpcLineName): RpcInvocation {
  const argv = line === 'v2' ? ['amtinfo', '-json', '-cert'] : ['amtinfo', '--json', '--cert']
  return { command: 'amtinfo', argv, env: {}, secrets: [], timeout: 'query' }
}

export function activateInvocation(
  line: RpcLineName,
  request: ActivateRequest,
  skipCertCheckDefault = false,
): RpcInvocation {
  const skip = request.skipCertCheck ?? skipCertCheckDefault
  const env: Record<string, string> = {}
  if (present(request.password)) env.AMT_PASSWORD = request.password
  const secrets = [request.password, request.token].filter(present)
  if (line === 'v2') {
    env.PROFILE = request.profile
    const argv = ['activate', '-u', request.rpsUrl, '-json', ...(skip ? ['-n'] : [])]
    argv.push(...optional('-token', request.token), ...optional('-tenant', request.tenant))
    argv.push(...optional('-d', request.dnsSuffix), ...optional('-name', request.friendlyName))
    return { command: 'activate', argv, env, secrets, timeout: 'operation' }
  }
  if (present(request.token)) env.AUTH_TOKEN = request.token
  const argv = [
    'activate',
    '-u',
    request.rpsUrl,
    '--profile',
    request.profile,
    '--json',
    ...(skip ? ['--skip-cert-check'] : []),
  ]
  argv.push(
    ...optional('--tenantid', request.tenant),
    ...optional('--dns', request.dnsSuffix),
    ...optional('--name', request.friendlyName),
  )
  return { command: 'activate', argv, env, secrets, timeout: 'operation' }
}

export function deactivateInvocation(
  line: RpcLineName,
  request: DeactivateRequest,
  skipCertCheckDefault = false,
): RpcInvocation {
  const env: Record<string, string> = {}
  if (present(request.password)) env.AMT_PASSWORD = request.password
  const secrets = [request.password].filter(present)
  const skip = request.skipCertCheck ?? skipCertCheckDefault
  const argv = present(request.rpsUrl)
    ? [
        'deactivate',
        '-u',
        request.rpsUrl,
        jsonFlag(line),
        ...(skip ? [line === 'v2' ? '-n' : '--skip-cert-check'] : []),
      ]
    : ['deactivate', line === 'v2' ? '-local' : '--local', jsonFlag(line)]
  return { command: 'deactivate', argv, env, secrets, timeout: 'operation' }
}

/**
 * rpc v3 `configure amtpassword --json`: the current password in AMT_PASSWORD, the new one in RPC_NEWAMTPASSWORD
 * (Kong's default `RPC_<FLAG>` variable of `--newamtpassword`); nothing on argv or stdin (docs/credentials.md). v3
 * only: rpc v2 reads the new password only from argv.
 */
export function changePasswordInvocation(request: ChangePasswordRequest): RpcInvocation {
  return {
    command: 'configure amtpassword',
    argv: ['configure', 'amtpassword', '--json'],
    env: { AMT_PASSWORD: request.password, RPC_NEWAMTPASSWORD: request.newPassword },
    secrets: [request.password, request.newPassword],
    timeout: 'operation',
  }
}

/** argv for logs: any element equal to a secret is replaced. */
export function redactArgv(argv: readonly string[], secrets: readonly string[]): string[] {
  return argv.map((arg) => (secrets.includes(arg) ? '[redacted]' : arg))
}

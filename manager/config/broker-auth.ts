import { isIP } from 'node:net'
import { z } from 'zod'
import { checkReadable, readSecret } from '../../lib/config-file.ts'
import type { SecretValue } from '../../lib/secret-value.ts'
import type { ResolveContext } from './resolve.ts'

/** The endpoint's shared secret when no `api.brokerAuth.secretFile` is given (wins over the file when set). */
export const ENV_BROKER_AUTH_SECRET = 'AMT_MANAGER_BROKER_AUTH_SECRET'

/**
 * A secret that fits unchanged into a URL's userinfo (VerneMQ: basic auth in the endpoint URL) and into a header
 * (EMQX): URL-unreserved characters only, long enough not to be guessed (`openssl rand -hex 32` makes one).
 */
const SECRET_PATTERN = /^[A-Za-z0-9._~-]{32,256}$/

/** An IPv4 or IPv6 address, or a CIDR range of one (`10.0.0.0/8`, `fd00::/8`). */
const SourceRange = z
  .string()
  .max(64)
  .refine((value) => sourceRangeOf(value) !== null, { message: 'must be an IP address or a CIDR range (10.0.0.0/8)' })

/**
 * `api.brokerAuth`: the HTTP authentication and authorization endpoints for external brokers (EMQX, VerneMQ;
 * docs/external-brokers.md). Off by default: its routes do not exist (404). When on, every call must carry the
 * shared secret (from `secretFile` or env AMT_MANAGER_BROKER_AUTH_SECRET) and, with `allowedSources`, come from one
 * of those addresses. `integratorsFile`: read-only principals for an external broker (the embedded broker's are
 * `broker.embedded.integratorsFile`).
 */
export const BrokerAuthSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    secretFile: z.string().min(1).max(4096).optional(),
    allowedSources: z.array(SourceRange).max(256).default([]),
    integratorsFile: z.string().min(1).max(4096).optional(),
  })
  .prefault({})
export type BrokerAuthSection = z.infer<typeof BrokerAuthSection>

export interface SourceRange {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** Parses `address` or `address/prefix`; null when it is neither. */
export function sourceRangeOf(value: string): SourceRange | null {
  const [address = '', prefixText, extra] = value.split('/')
  const version = isIP(address)
  if (version === 0 || extra !== undefined) return null
  const bits = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  if (!(prefix >= 0 && prefix <= bits)) return null
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** The endpoint's settings with the secret resolved; null when the endpoint is off. */
export interface BrokerAuthSettings {
  secret: SecretValue
  allowedSources: readonly string[]
  /** Absolute path; only with an external broker. */
  integratorsFile?: string
}

/** Resolves `api.brokerAuth`: its secret (env wins over the file), checked; every problem goes to ctx.problems. */
export function resolveBrokerAuth(
  section: BrokerAuthSection,
  ctx: ResolveContext,
  brokerMode: 'embedded' | 'external',
): BrokerAuthSettings | null {
  if (!section.enabled) return null
  const key = 'api.brokerAuth'
  const secretFile = section.secretFile === undefined ? undefined : ctx.resolve(section.secretFile)
  const secret = readSecret(
    ctx.env[ENV_BROKER_AUTH_SECRET],
    secretFile,
    `${key}.secretFile`,
    ctx.readFile,
    ctx.problems,
  )
  if (secret === null && section.secretFile === undefined)
    ctx.problems.push(`${key}.secretFile: required when enabled (or set ${ENV_BROKER_AUTH_SECRET})`)
  if (secret !== null && secret.reveal() !== '' && !SECRET_PATTERN.test(secret.reveal()))
    ctx.problems.push(`${key}.secretFile: the secret must be 32-256 characters of A-Z a-z 0-9 . _ ~ - (never echoed)`)
  const integratorsFile = section.integratorsFile === undefined ? undefined : ctx.resolve(section.integratorsFile)
  if (integratorsFile !== undefined && brokerMode === 'embedded')
    ctx.problems.push(`${key}.integratorsFile: only with broker.external (use broker.embedded.integratorsFile)`)
  checkReadable([[`${key}.integratorsFile`, integratorsFile]], ctx.readFile, ctx.problems)
  if (secret === null) return null
  return {
    secret,
    allowedSources: section.allowedSources,
    ...(integratorsFile === undefined ? {} : { integratorsFile }),
  }
}

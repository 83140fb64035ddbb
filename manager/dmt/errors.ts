/**
 * Stable codes of Device Management Toolkit failures (the API maps them to catalogue answers):
 * - RPS_UNAVAILABLE / MPS_UNAVAILABLE: the server could not be reached, timed out or answered 5xx (after retries)
 * - RPS_REJECTED / MPS_REJECTED: the server answered 4xx; the message summarises its error body (never a value sent)
 * - HOST_NOT_PROVISIONED: a power action or power read for a host whose AMT is not PROVISIONED
 * - POWER_ACTION_FAILED: MPS carried the action to AMT, which answered a ReturnValue other than 0 (SUCCESS)
 * - DMT_INVALID: the request cannot be expressed in RPS/MPS terms (an id RPS does not accept, a missing password)
 * Messages never contain a password, token or request body.
 */
export type DmtErrorCode = 'RPS_UNAVAILABLE' | 'RPS_REJECTED' | 'MPS_UNAVAILABLE' | 'MPS_REJECTED' | 'HOST_NOT_PROVISIONED' | 'POWER_ACTION_FAILED' | 'DMT_INVALID'

export type DmtService = 'RPS' | 'MPS'

export class DmtError extends Error {
  override readonly name = 'DmtError'
  readonly code: DmtErrorCode
  /** The HTTP status the server answered (REJECTED, UNAVAILABLE after a 5xx). */
  readonly status: number | undefined

  constructor(code: DmtErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options?.status
  }
}

export const unavailable = (service: DmtService, message: string, options?: { cause?: unknown; status?: number }): DmtError =>
  new DmtError(`${service}_UNAVAILABLE`, `${service} unavailable: ${message}`, options)

export const rejected = (service: DmtService, message: string, status: number): DmtError => new DmtError(`${service}_REJECTED`, `${service} rejected ${message}`, { status })

/** True for an RPS answer "already exists" (a concurrent create, or another manager replica). */
export const isRejected = (err: unknown, service: DmtService): err is DmtError => err instanceof DmtError && err.code === `${service}_REJECTED`

const MAX_SUMMARY = 300

/**
 * A one-line summary of a server's error body. RPS/MPS answer `{ error, message }` or express-validator's
 * `{ errors: [{ msg, path|param, value }] }`: only `msg` and the field name are kept — a validator echoes the
 * rejected `value`, which may be a password. Every given secret is blanked in the result as a second defence.
 */
export function summariseErrorBody(body: unknown, secrets: readonly string[] = []): string {
  let summary = ''
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>
    if (Array.isArray(record.errors)) {
      summary = record.errors
        .slice(0, 5)
        .map((entry) => {
          const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
          const field = typeof item.path === 'string' ? item.path : typeof item.param === 'string' ? item.param : ''
          const msg = typeof item.msg === 'string' ? item.msg : 'invalid'
          return field ? `${field}: ${msg}` : msg
        })
        .join('; ')
    } else {
      summary = [record.error, record.message].filter((part): part is string => typeof part === 'string' && part !== '').join(': ')
    }
  } else if (typeof body === 'string') {
    summary = body.replace(/\s+/g, ' ').trim()
  }
  for (const secret of secrets) if (secret.length >= 4) summary = summary.split(secret).join('[redacted]')
  if (summary === '') return 'no error details'
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY)}…` : summary
}

/** Every string value under a key named like a secret (password, token), for blanking echoes of them. */
export function secretsIn(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return []
  const found: string[] = []
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && /password|token|secret|cert/i.test(key)) found.push(inner)
    else if (typeof inner === 'object') found.push(...secretsIn(inner))
  }
  return found
}

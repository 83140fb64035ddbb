import type { z } from 'zod'
import { describeIssuesInline } from '../../schemas/issues.ts'

/**
 * Stable codes of Device Management Toolkit failures (the API maps them to catalogue answers):
 * - RPS_UNAVAILABLE / MPS_UNAVAILABLE: the server could not be reached, timed out or answered 5xx (after retries)
 * - RPS_REJECTED / MPS_REJECTED: the server answered 4xx; the message summarises its error body (never a value sent)
 * - HOST_NOT_PROVISIONED: a power action or power read for a host whose AMT is not PROVISIONED
 * - POWER_ACTION_FAILED: MPS carried the action to AMT, which answered a ReturnValue other than 0 (SUCCESS)
 * - DMT_INVALID: the request cannot be expressed in RPS/MPS terms (an id RPS does not accept, a missing password)
 * Messages never contain a password, token or request body.
 */
export type DmtErrorCode =
  | 'RPS_UNAVAILABLE'
  | 'RPS_REJECTED'
  | 'MPS_UNAVAILABLE'
  | 'MPS_REJECTED'
  | 'HOST_NOT_PROVISIONED'
  | 'POWER_ACTION_FAILED'
  | 'DMT_INVALID'

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

export const unavailable = (
  service: DmtService,
  message: string,
  options?: { cause?: unknown; status?: number },
): DmtError => new DmtError(`${service}_UNAVAILABLE`, `${service} unavailable: ${message}`, options)

export const rejected = (service: DmtService, message: string, status: number): DmtError =>
  new DmtError(`${service}_REJECTED`, `${service} rejected ${message}`, { status })

/** An answer of another shape than expected is UNAVAILABLE (not the server we speak to), naming its first problem. */
export function parseAnswer<S extends z.ZodType>(
  service: DmtService,
  schema: S,
  body: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  throw unavailable(service, `${what}: unexpected answer (${describeIssuesInline(result.error, { max: 1 })})`)
}

/** True for an RPS answer "already exists" (a concurrent create, or another manager replica). */
export const isRejected = (err: unknown, service: DmtService): err is DmtError =>
  err instanceof DmtError && err.code === `${service}_REJECTED`

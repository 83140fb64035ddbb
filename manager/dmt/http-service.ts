import { backoffDelay, sleep } from '../../lib/backoff.ts'
import type { Logger } from '../../lib/log.ts'
import { secretsIn, summariseErrorBody } from './error-body.ts'
import { DmtError, rejected, unavailable, type DmtService } from './errors.ts'

interface RetryPolicy {
  /** Tries per call, >= 1. */
  attempts: number
  /** First backoff delay in ms. */
  baseMs: number
  /** Largest backoff delay in ms. */
  maxMs: number
}

export interface HttpServiceOptions {
  service: DmtService
  /** REST base, e.g. http://rps:8081 (no trailing slash needed). */
  baseUrl: string
  /** Bearer token for the REST API (e.g. the JWT the API gateway expects); never logged. */
  token?: string
  /** Per attempt, including reading the body. */
  timeoutMs: number
  retry: RetryPolicy
  log: Logger
  /** Backoff jitter source (tests). */
  random?: () => number
  /** Told after every call whether the server answered (false: network error, timeout or 5xx after the retries). */
  onReachability?: (reachable: boolean) => void
}

export interface CallOptions {
  body?: unknown
  /** Statuses that are answers; any other 4xx is REJECTED, 5xx and network failures are retried. */
  ok: readonly number[]
  /** How to read an ok answer; default json. */
  read?: 'json' | 'text' | 'none'
  /**
   * `transient` (default): retry network failures, timeouts and 5xx — for reads, deletes and creates whose
   * duplicates the caller detects. `undelivered`: retry only a refused connection (the request certainly never
   * arrived) — for actions that must not run twice, such as a power reset.
   */
  retry?: 'transient' | 'undelivered'
}

export interface Answer {
  status: number
  body: unknown
}

interface Failure {
  reason: string
  retriable: boolean
  status?: number
  cause?: unknown
}

/** A small JSON-over-HTTP client for one DMT server: timeouts, retries with backoff, typed errors. */
export class HttpService {
  readonly #options: HttpServiceOptions
  readonly #base: string

  constructor(options: HttpServiceOptions) {
    if (options.retry.attempts < 1) throw new TypeError('retry.attempts must be >= 1')
    this.#options = options
    this.#base = options.baseUrl.replace(/\/+$/, '')
  }

  async call(method: string, path: string, options: CallOptions): Promise<Answer> {
    const report = this.#options.onReachability
    try {
      const answer = await this.#call(method, path, options)
      report?.(true)
      return answer
    } catch (err) {
      report?.(!(err instanceof DmtError && err.code.endsWith('_UNAVAILABLE')))
      throw err
    }
  }

  async #call(method: string, path: string, options: CallOptions): Promise<Answer> {
    const { service, retry, log } = this.#options
    const what = `${method} ${path}`
    let failure: Failure | undefined
    for (let attempt = 0; attempt < retry.attempts; attempt++) {
      if (attempt > 0)
        await sleep(
          backoffDelay(attempt - 1, { ...retry, ...(this.#options.random ? { random: this.#options.random } : {}) }),
        )
      const outcome = await this.#attempt(method, path, options)
      if ('answer' in outcome) return outcome.answer
      failure = outcome.failure
      if (!failure.retriable) break
      log.warn(
        { service, method, path, attempt: attempt + 1, attempts: retry.attempts, reason: failure.reason },
        'DMT request failed',
      )
    }
    const last = failure ?? { reason: 'no attempt made', retriable: false }
    throw unavailable(service, `${what}: ${last.reason} (${retry.attempts > 1 ? 'retries exhausted' : 'no retries'})`, {
      ...(last.status === undefined ? {} : { status: last.status }),
      ...(last.cause === undefined ? {} : { cause: last.cause }),
    })
  }

  async #attempt(
    method: string,
    path: string,
    options: CallOptions,
  ): Promise<{ answer: Answer } | { failure: Failure }> {
    const { service, token, timeoutMs } = this.#options
    const headers: Record<string, string> = { accept: options.read === 'text' ? 'text/plain, */*' : 'application/json' }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    const mayRetry = options.retry !== 'undelivered'
    let status: number
    let text: string
    try {
      const response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      status = response.status
      text = await response.text()
    } catch (err) {
      const { reason, refused } = describeNetworkError(err, timeoutMs)
      return { failure: { reason, retriable: mayRetry || refused, cause: err } }
    }
    if (options.ok.includes(status))
      return { answer: { status, body: parseBody(service, `${method} ${path}`, text, options.read ?? 'json') } }
    if (status >= 500)
      return {
        failure: {
          reason: `answered ${status}: ${summariseErrorBody(tryJson(text), secretsIn(options.body))}`,
          retriable: mayRetry,
          status,
        },
      }
    throw rejected(
      service,
      `${method} ${path} (${status}): ${summariseErrorBody(tryJson(text), secretsIn(options.body))}`,
      status,
    )
  }
}

function parseBody(service: DmtService, what: string, text: string, read: 'json' | 'text' | 'none'): unknown {
  if (read === 'none') return null
  if (read === 'text') return text
  if (text.trim() === '') return null
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw unavailable(service, `${what}: the answer is not JSON`, { cause })
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** fetch failures: a timeout, or a TypeError whose cause carries the socket error code. */
function describeNetworkError(err: unknown, timeoutMs: number): { reason: string; refused: boolean } {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return { reason: `no answer within ${timeoutMs} ms`, refused: false }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  const code = typeof cause?.code === 'string' ? cause.code : undefined
  if (code === 'ECONNREFUSED') return { reason: 'connection refused', refused: true }
  if (code !== undefined) return { reason: `network error ${code}`, refused: false }
  return { reason: err instanceof Error ? err.message : 'network error', refused: false }
}

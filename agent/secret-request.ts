import { randomUUID } from 'node:crypto'
import { backoffDelay } from '../lib/backoff.ts'
import type { Logger } from '../lib/log.ts'
import { SecretValue } from '../lib/secret-value.ts'
import type { SecretResponse } from '../schemas/index.ts'
import type { AgentMessage } from './messages.ts'

export type SecretPurpose = 'deactivate' | 'activate' | 'rotate'

/**
 * The manager did not hand out the password: it refused, could not for now (`unavailable`, e.g. its secret store
 * is down: worth asking again), or did not answer in time.
 */
export class SecretUnavailableError extends Error {
  readonly reason: 'timeout' | 'refused' | 'unavailable'

  constructor(reason: 'timeout' | 'refused' | 'unavailable', message: string) {
    super(message)
    this.name = 'SecretUnavailableError'
    this.reason = reason
  }
}

/** A password the manager gave, and which known password it is (docs/credentials.md). */
export interface SecretAnswer {
  secret: SecretValue
  /** A further candidate exists (ask with candidate + 1); false from managers that announce none. */
  more: boolean
  origin?: 'host' | 'tenant'
  version?: number
  /** purpose rotate: the password AMT is to be changed to. */
  newSecret?: SecretValue
}

interface RequestInput {
  purpose: SecretPurpose
  generation: number
  signal?: AbortSignal
}

export interface SecretRequester {
  /**
   * Asks the manager on secret/req and waits for the matching secret/res. The request is re-sent (same correlation
   * id) after every reconnect and with backoff until answered, refused, aborted or `timeoutMs` is over. The value is
   * never stored here.
   */
  request(input: RequestInput): Promise<SecretValue>
  /** As request, for candidate `candidate` (0: the current password), with what the manager says of it. */
  requestCandidate(input: RequestInput & { candidate: number }): Promise<SecretAnswer>
  /** Feeds a decoded secret/res (from the bus). Responses nobody waits for are dropped. */
  handle(response: SecretResponse): void
  /** Re-sends every pending request now: the bus calls it after every (re)connect, once subscribed to secret/res. */
  resendPending(): void
}

export interface SecretRequesterOptions {
  /** Sends when connected; a request that cannot be sent now is not queued (resendPending sends it on reconnect). */
  send: (message: AgentMessage) => void
  timeoutMs: number
  /** First re-send after this long without an answer, doubling up to 8 times as long. */
  resendMs: number
  log: Logger
  random?: () => number
}

interface Pending {
  message: Extract<AgentMessage, { leaf: 'secret/req' }>
  resolve(value: SecretAnswer): void
  reject(err: Error): void
}

/**
 * Request/response over MQTT that survives reconnects on any broker: a request published while the manager was not
 * subscribed (it reconnected later, clean session) would otherwise go to nobody. The manager answers every copy
 * the same way; copies after the first answer are dropped here.
 */
export function createSecretRequester({
  send,
  timeoutMs,
  resendMs,
  log: parentLog,
  random,
}: SecretRequesterOptions): SecretRequester {
  const log = parentLog.child({ module: 'secret-request' })
  const pending = new Map<string, Pending>()

  function ask({ purpose, generation, signal, candidate }: RequestInput & { candidate: number }) {
    const correlationId = randomUUID()
    // Candidate 0 is sent as before (absent): a manager that announces no candidates never sees the field.
    const body = { correlationId, purpose, generation, ...(candidate > 0 ? { candidate } : {}) }
    const message = { leaf: 'secret/req', body } as const
    return new Promise<SecretAnswer>((resolve, reject) => {
      let sent = 1
      let resendTimer: NodeJS.Timeout | undefined
      const done = () => {
        clearTimeout(timer)
        clearTimeout(resendTimer)
        signal?.removeEventListener('abort', onAbort)
        pending.delete(correlationId)
      }
      const timer = setTimeout(() => {
        done()
        const text = `no answer on secret/res within ${timeoutMs} ms after ${sent} requests (${purpose}, generation ${generation})`
        reject(new SecretUnavailableError('timeout', text))
      }, timeoutMs)
      const scheduleResend = () => {
        const delay = backoffDelay(sent - 1, { baseMs: resendMs, maxMs: resendMs * 8, random })
        resendTimer = setTimeout(() => {
          sent += 1
          log.info({ correlationId, purpose, generation, sent }, 'password request re-sent: no answer yet')
          send(message)
          scheduleResend()
        }, delay)
      }
      const onAbort = () => {
        done()
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      pending.set(correlationId, {
        message,
        resolve: (value) => {
          done()
          resolve(value)
        },
        reject: (err) => {
          done()
          reject(err)
        },
      })
      log.info({ correlationId, purpose, generation, candidate }, 'password requested')
      send(message)
      scheduleResend()
    })
  }

  return {
    request: (input) => ask({ ...input, candidate: 0 }).then(({ secret }) => secret),
    requestCandidate: ask,
    handle(response) {
      const waiter = pending.get(response.correlationId)
      if (!waiter) {
        log.debug({ correlationId: response.correlationId }, 'secret response for no pending request dropped')
        return
      }
      if (response.ok) {
        const { origin, version, more = false, newPassword } = response
        waiter.resolve({
          secret: new SecretValue(response.password),
          more,
          ...(newPassword === undefined ? {} : { newSecret: new SecretValue(newPassword) }),
          ...(origin === undefined ? {} : { origin }),
          ...(version === undefined ? {} : { version }),
        })
      } else if (response.retryable === true) {
        waiter.reject(
          new SecretUnavailableError('unavailable', `the manager cannot give the password now: ${response.error}`),
        )
      } else waiter.reject(new SecretUnavailableError('refused', `the manager refused the password: ${response.error}`))
    },
    resendPending() {
      for (const [correlationId, { message }] of pending) {
        log.info({ correlationId, generation: message.body.generation }, 'password request re-sent after reconnect')
        send(message)
      }
    },
  }
}

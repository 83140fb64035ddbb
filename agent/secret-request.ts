import { randomUUID } from 'node:crypto'
import { backoffDelay } from '../lib/backoff.ts'
import type { Logger } from '../lib/log.ts'
import { SecretValue } from '../lib/secret-value.ts'
import type { SecretResponse } from '../schemas/index.ts'
import type { AgentMessage } from './messages.ts'

type SecretPurpose = 'deactivate' | 'activate'

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

export interface SecretRequester {
  /**
   * Asks the manager on secret/req and waits for the matching secret/res. The request is re-sent (same correlation
   * id) after every reconnect and with backoff until answered, refused, aborted or `timeoutMs` is over. The value is
   * never stored here.
   */
  request(input: { purpose: SecretPurpose; generation: number; signal?: AbortSignal }): Promise<SecretValue>
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
  resolve(value: SecretValue): void
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

  return {
    request({ purpose, generation, signal }) {
      const correlationId = randomUUID()
      const message = { leaf: 'secret/req', body: { correlationId, purpose, generation } } as const
      return new Promise<SecretValue>((resolve, reject) => {
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
        log.info({ correlationId, purpose, generation }, 'password requested')
        send(message)
        scheduleResend()
      })
    },
    handle(response) {
      const waiter = pending.get(response.correlationId)
      if (!waiter) {
        log.debug({ correlationId: response.correlationId }, 'secret response for no pending request dropped')
        return
      }
      if (response.ok) waiter.resolve(new SecretValue(response.password))
      else if (response.retryable === true) {
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

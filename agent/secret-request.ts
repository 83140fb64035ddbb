import { randomUUID } from 'node:crypto'
import type { Logger } from '../lib/log.ts'
import type { SecretResponse } from '../schemas/index.ts'
import type { AgentMessage } from './messages.ts'
import { SecretValue } from '../lib/secret-value.ts'

export type SecretPurpose = 'deactivate' | 'activate'

/** The manager did not hand out the password: it refused, or did not answer in time. */
export class SecretUnavailableError extends Error {
  readonly reason: 'timeout' | 'refused'

  constructor(reason: 'timeout' | 'refused', message: string) {
    super(message)
    this.name = 'SecretUnavailableError'
    this.reason = reason
  }
}

export interface SecretRequester {
  /** Asks the manager on secret/req and waits for the matching secret/res. The value is never stored here. */
  request(input: { purpose: SecretPurpose; generation: number; signal?: AbortSignal }): Promise<SecretValue>
  /** Feeds a decoded secret/res (from the bus). Responses nobody waits for are dropped. */
  handle(response: SecretResponse): void
}

interface Waiter {
  resolve(value: SecretValue): void
  reject(err: Error): void
}

export function createSecretRequester({
  publish,
  timeoutMs,
  log: parentLog,
}: {
  publish: (message: AgentMessage) => void
  timeoutMs: number
  log: Logger
}): SecretRequester {
  const log = parentLog.child({ module: 'secret-request' })
  const waiting = new Map<string, Waiter>()

  return {
    request({ purpose, generation, signal }) {
      const correlationId = randomUUID()
      return new Promise<SecretValue>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          waiting.delete(correlationId)
        }
        const timer = setTimeout(() => {
          done()
          reject(new SecretUnavailableError('timeout', `no answer on secret/res within ${timeoutMs} ms (${purpose}, generation ${generation})`))
        }, timeoutMs)
        const onAbort = () => {
          done()
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
        }
        if (signal?.aborted) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        waiting.set(correlationId, {
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
        publish({ leaf: 'secret/req', body: { correlationId, purpose, generation } })
      })
    },
    handle(response) {
      const waiter = waiting.get(response.correlationId)
      if (!waiter) {
        log.debug({ correlationId: response.correlationId }, 'secret response for no pending request dropped')
        return
      }
      if (response.ok) waiter.resolve(new SecretValue(response.password))
      else waiter.reject(new SecretUnavailableError('refused', `the manager refused the password: ${response.error}`))
    },
  }
}

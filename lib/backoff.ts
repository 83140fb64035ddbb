export interface BackoffOptions {
  /** First delay in ms. */
  baseMs: number
  /** Upper bound of any delay in ms. */
  maxMs: number
  /** Source of randomness in [0, 1) (tests pass a fixed one). */
  random?: () => number
}

/**
 * Exponential backoff with "full jitter": a uniformly random delay in [base/2, min(max, base * 2^attempt)],
 * so a fleet that lost its broker at the same moment does not come back at the same moment.
 * `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, { baseMs, maxMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  const floor = Math.min(baseMs / 2, ceiling)
  return Math.round(floor + random() * (ceiling - floor))
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

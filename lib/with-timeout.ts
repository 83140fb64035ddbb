/**
 * `promise`, or a rejection with `message` (default "timed out after <ms> ms") once `ms` have passed; the timer is
 * cleared either way, so a settled race holds no event-loop reference.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

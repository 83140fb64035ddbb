/**
 * Collects what a callback reports (a sweep's rounds, say) and waits for the n-th report, bounded: `until(n)` rejects
 * naming `what` when fewer than n arrived within `waitMs`.
 */
export function counted<T>(
  what: string,
  waitMs: number,
): { results: T[]; push: (result: T) => void; until: (count: number) => Promise<void> } {
  const results: T[] = []
  let notify = (): void => undefined
  return {
    results,
    push: (result) => {
      results.push(result)
      notify()
    },
    until: (count) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${count} ${what} not seen within ${waitMs} ms`)), waitMs)
        notify = () => {
          if (results.length < count) return
          clearTimeout(timer)
          resolve()
        }
        notify()
      }),
  }
}

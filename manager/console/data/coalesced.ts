/**
 * Shares runs of an expensive read per key: while one run is under way, callers wait for the next run (at most one
 * running and one queued per key), so each caller still gets a result read after it asked, and a burst of callers
 * (every open page re-fetching counts on a live event) costs at most two runs.
 */
export function coalesced<T>(task: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const running = new Map<string, Promise<T>>()
  const queued = new Map<string, Promise<T>>()
  const start = (key: string): Promise<T> => {
    const run = task(key).finally(() => {
      if (running.get(key) === run) running.delete(key)
    })
    running.set(key, run)
    return run
  }
  return (key) => {
    const current = running.get(key)
    if (current === undefined) return start(key)
    const waiting = queued.get(key)
    if (waiting !== undefined) return waiting
    const next = current
      .catch(() => undefined)
      .then(() => {
        queued.delete(key)
        return start(key)
      })
    queued.set(key, next)
    return next
  }
}

import { sleep } from '../../lib/backoff.ts'

/**
 * Starts hosts at `perSecond` (0: all at once), spreading them evenly over time; stops early when aborted.
 * Never rejects.
 */
export async function rampUp(
  hosts: ReadonlyArray<{ start(): void }>,
  perSecond: number,
  signal: AbortSignal,
): Promise<void> {
  if (perSecond <= 0) {
    for (const host of hosts) if (!signal.aborted) host.start()
    return
  }
  const begin = performance.now()
  let next = 0
  while (next < hosts.length && !signal.aborted) {
    const elapsed = performance.now() - begin
    const due = Math.min(hosts.length, Math.floor((elapsed / 1000) * perSecond) + 1)
    while (next < due) hosts[next++]?.start()
    if (next >= hosts.length) break
    const wait = Math.max(1, (next / perSecond) * 1000 - (performance.now() - begin))
    await sleep(wait, signal).catch(() => undefined)
  }
}

/** Maps with at most `limit` calls in flight, keeping the order; skips the rest when aborted. Rejects on the first failure. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
  signal: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const index = next++
      results[index] = await map(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

import { isRejected } from './errors.ts'

export type EnsureOutcome = 'unchanged' | 'created' | 'replaced'

export interface EnsureSteps<R> {
  /** The stored object, null when absent. */
  get(): Promise<R | null>
  /** Whether the stored object is the one wanted (fields RPS returns; never passwords). */
  matches(record: R): boolean
  create(): Promise<unknown>
  /** Removes a stale object (and whatever depends on it) before it is created again. */
  remove(): Promise<unknown>
}

/**
 * Idempotent "make it so" for one RPS object: GET first; nothing is written when it matches; a missing object is
 * created, a different one removed and created again. A create that RPS refuses because a concurrent writer
 * (another replica) just created a matching object counts as unchanged.
 */
export async function ensureObject<R>(steps: EnsureSteps<R>): Promise<EnsureOutcome> {
  const current = await steps.get()
  if (current !== null && steps.matches(current)) return 'unchanged'
  if (current !== null) await steps.remove()
  try {
    await steps.create()
  } catch (err) {
    if (!isRejected(err, 'RPS')) throw err
    const now = await steps.get()
    if (now !== null && steps.matches(now)) return 'unchanged'
    throw err
  }
  return current === null ? 'created' : 'replaced'
}

/** Runs `task` for every item with at most `limit` in flight; rejects with the first failure (after all settle). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  let failure: { err: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++
      try {
        results[index] = await task(items[index] as T)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure !== undefined) throw failure.err
  return results
}

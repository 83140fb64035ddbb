import { isRejected, rejected } from './errors.ts'
import type { Replaced } from './ports.ts'

export type EnsureOutcome = 'unchanged' | 'created' | 'replaced'

/** Replacements answered 409 (another writer came first) are retried this often with the fresh record. */
export const MAX_REPLACE_ATTEMPTS = 4

export interface EnsureSteps<R> {
  /** What it is, for errors (e.g. "profile acme_ccm"). */
  what: string
  /** The stored object, null when absent. */
  get(): Promise<R | null>
  /** Whether the stored object is the one wanted (fields RPS keeps, normalised; never passwords). */
  matches(record: R): boolean
  create(): Promise<unknown>
  /** PATCH with the stored record's version. */
  replace(current: R): Promise<Replaced<R>>
}

/**
 * Idempotent, race-free "make it so" for one RPS object: GET first; nothing is written when it matches; a missing
 * object is created; a different one is replaced in place with its `version` (never deleted). Across processes:
 * a create refused because another writer created the object meanwhile ("Unique key violation") reads it,
 * compares and accepts it when it matches (else replaces it); a replacement answered 409 compares the fresh
 * record and retries with its version (MAX_REPLACE_ATTEMPTS).
 */
export async function ensureObject<R>(steps: EnsureSteps<R>): Promise<EnsureOutcome> {
  let current = await steps.get()
  if (current === null) {
    try {
      await steps.create()
      return 'created'
    } catch (err) {
      if (!isRejected(err, 'RPS')) throw err
      current = await steps.get()
      if (current === null) throw err
    }
  }
  return (await replaceVersioned(current, steps)) === null ? 'unchanged' : 'replaced'
}

/**
 * Replaces `current` (optimistic concurrency): null when it (or a fresher record) already matches, else the
 * record RPS stored. A record that keeps changing is RPS_REJECTED (409) after MAX_REPLACE_ATTEMPTS.
 */
export async function replaceVersioned<R>(
  current: R,
  steps: Pick<EnsureSteps<R>, 'what' | 'matches' | 'replace'>,
): Promise<R | null> {
  let record = current
  for (let attempt = 0; attempt < MAX_REPLACE_ATTEMPTS; attempt++) {
    if (steps.matches(record)) return null
    const answer = await steps.replace(record)
    if ('updated' in answer) return answer.updated
    record = answer.conflict
  }
  throw rejected(
    'RPS',
    `the replacement of ${steps.what}: changed by another writer on each of ${MAX_REPLACE_ATTEMPTS} attempts (409)`,
    409,
  )
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

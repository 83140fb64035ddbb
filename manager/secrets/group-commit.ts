import type Database from 'better-sqlite3'

/** Queues writes and commits everything queued in one event-loop turn as ONE transaction. */
export interface GroupCommit {
  /**
   * Queues `write` (run inside the batch's transaction; it must not await) and resolves with its result once
   * that transaction committed. Rejects with the driver's error when the transaction failed: then nothing of the
   * batch was written and every caller in it rejects.
   */
  submit<T>(write: () => T): Promise<T>
  /** Commits what is queued now instead of on the next turn (close). */
  flush(): void
}

interface Job {
  write: () => unknown
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/**
 * Group commit: with synchronous=FULL every commit costs an fsync, so N concurrent writes (an activation wave
 * stores one password per host) would cost N fsyncs. Writes issued in the same turn (including the microtasks
 * that follow it) are collected and committed on `setImmediate` in one IMMEDIATE transaction: one fsync for all.
 * A caller's promise settles only after its batch committed or rolled back, so a resolved write is durable.
 * `onCommit` observes each committed batch's size (tests, diagnostics).
 */
export function createGroupCommit(db: Database.Database, onCommit?: (writes: number) => void): GroupCommit {
  let queue: Job[] = []
  let pending: NodeJS.Immediate | null = null
  const runBatch = db.transaction((jobs: Job[]) => jobs.map((job) => job.write()))

  function flush(): void {
    if (pending !== null) clearImmediate(pending)
    pending = null
    const jobs = queue
    queue = []
    if (jobs.length === 0) return
    let results: unknown[]
    try {
      results = runBatch.immediate(jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      return
    }
    onCommit?.(jobs.length)
    jobs.forEach((job, index) => job.resolve(results[index]))
  }

  return {
    submit: <T>(write: () => T) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
        pending ??= setImmediate(flush)
      }),
    flush,
  }
}

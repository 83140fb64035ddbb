/**
 * A lease: the right to do work that must happen once in the whole cluster (deadline checks, audit pruning, the
 * RPS/MPS sweeps; docs/architecture.md "Leases"). On SQLite there is one process, so the lease is always held
 * (`singleProcessLease`); on PostgreSQL a lease row per name is shared by the replicas
 * (manager/database/postgres-lease.ts). The core sees only this port.
 */
export interface Lease {
  /** Names the work it guards (the metric's `name` label). */
  readonly name: string
  /** True while this process holds the lease: the guarded work may run. */
  readonly held: boolean
  /** True when other processes may hold it (PostgreSQL): work must not rely on this process's memory alone. */
  readonly shared: boolean
  /** Called with the new value every time `held` changes; returns the unsubscribe. */
  onChange(listener: (held: boolean) => void): () => void
  /** Gives the lease up at once (the next holder does not wait for its expiry) and stops trying to take it. */
  stop(): Promise<void>
}

/** Guarded work that runs while its lease is held: started when gained, stopped when lost. */
export interface LeasedJob {
  start(): void
  stop(): Promise<void>
}

/** The lease of a manager that is alone on its database (SQLite): held from the start until stop(). */
export function singleProcessLease(name: string): Lease {
  let held = true
  const listeners = new Set<(held: boolean) => void>()
  return {
    name,
    shared: false,
    get held() {
      return held
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop() {
      if (held) {
        held = false
        for (const listener of [...listeners]) listener(false)
      }
      return Promise.resolve()
    },
  }
}

/**
 * Runs `job` while `lease` is held: started now if it is, again at every gain; stopped at every loss (a round already
 * running finishes; jobs re-check what they write). `onError` hears a failed stop. Returns the stop of the whole.
 */
export function whileHeld(lease: Lease, job: LeasedJob, onError: (err: unknown) => void): () => Promise<void> {
  let stopping: Promise<void> = Promise.resolve()
  const follow = (held: boolean): void => {
    if (held) job.start()
    else stopping = job.stop().catch(onError)
  }
  const unsubscribe = lease.onChange(follow)
  if (lease.held) job.start()
  return async () => {
    unsubscribe()
    await stopping
    await job.stop()
  }
}

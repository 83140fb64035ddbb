import type { Logger } from '../../lib/log.ts'

export interface PassOutcome {
  /** Run again at this time (a retry, a stuck-connecting check) when it comes before the periodic pass. */
  wakeAt?: number
}

export interface ReconcileLoop {
  /** Runs a pass now, or right after the running one (never two at once; triggers during a pass coalesce). */
  trigger(reason: string): void
  /** Stops scheduling and waits for the running pass to end. */
  stop(): Promise<void>
  /** Resolves when no pass is running or pending. */
  idle(): Promise<void>
  readonly running: boolean
}

/**
 * Serialises reconcile passes: on start, on every accepted desired, at the time a pass asked for (retry backoff,
 * stuck-connecting deadline) and periodically so that BIOS or firmware changes are noticed.
 */
export function createReconcileLoop({
  pass,
  intervalMs,
  now = Date.now,
  log: parentLog,
}: {
  pass: (reason: string) => Promise<PassOutcome>
  intervalMs: number
  now?: () => number
  log: Logger
}): ReconcileLoop {
  const log = parentLog.child({ module: 'reconcile-loop' })
  let pending: string | null = null
  let current: Promise<void> | null = null
  let timer: NodeJS.Timeout | null = null
  let stopped = false

  const schedule = (wakeAt: number | undefined): void => {
    if (timer) clearTimeout(timer)
    const at = Math.min(wakeAt ?? Infinity, now() + intervalMs)
    timer = setTimeout(
      () => {
        timer = null
        trigger(wakeAt !== undefined && at === wakeAt ? 'scheduled' : 'periodic')
      },
      Math.max(0, at - now()),
    )
  }

  const drain = async (): Promise<void> => {
    await Promise.resolve() // trigger() assigns `current` before the first pass starts
    while (pending !== null && !stopped) {
      const reason = pending
      pending = null
      let outcome: PassOutcome = {}
      try {
        outcome = await pass(reason)
      } catch (err) {
        if (!stopped) log.error({ err }, 'reconcile pass failed unexpectedly')
      }
      if (!stopped) schedule(outcome.wakeAt)
    }
    current = null // same microtask as the loop's last check: no trigger can fall in between
  }

  const trigger = (reason: string): void => {
    if (stopped) return
    pending = reason
    if (!current) current = drain()
  }

  return {
    trigger,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      await current
    },
    async idle() {
      while (current) await current
    },
    get running() {
      return current !== null
    },
  }
}

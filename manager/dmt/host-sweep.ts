import type { Logger } from '../../lib/log.ts'
import type { Host, Inventory } from '../inventory/port.ts'
import { mapLimit } from './ensure-object.ts'

/**
 * A bounded, scheduled round over every PROVISIONED host (the power sweep and the MPS registration sweep): Inventory
 * is read in pages, `concurrency` hosts are visited at once. Rounds never overlap: the next starts
 * `intervalSeconds` after the previous ended; runOnce() while one runs waits for it first.
 */

/** Config `dmt.powerSweep` or `dmt.registrationSweep` (dmt/config.ts) as it is. */
export interface SweepOptions {
  /** Between rounds; 0 = no scheduled rounds (start() does nothing). */
  intervalSeconds: number
  /** Hosts visited at once. */
  concurrency: number
}

export interface HostSweep<R> {
  /** One round now (also while started: it waits for a running one first). */
  runOnce(): Promise<R>
  /** Rounds every intervalSeconds from now on (the first at once when `immediate`, else after the interval). */
  start(): void
  /** No more rounds; resolves when the running one has ended. */
  stop(): Promise<void>
}

export interface HostSweepSpec<R> {
  /** Names the sweep in the log ("<name> failed"). */
  name: string
  inventory: Pick<Inventory, 'listHosts'>
  options: SweepOptions
  log: Logger
  /** start() runs the first round at once. */
  immediate?: boolean
  /** A fresh result for a round. */
  begin(): R
  /** One host; must not throw (count a failure in the result). */
  visit(host: Host, result: R): Promise<void>
  /** The round's end (log its counts). */
  end(result: R): void
  /** Called after every scheduled round (tests wait on it). */
  onSweep?: (result: R) => void
}

const PAGE = 500

export function createHostSweep<R>(spec: HostSweepSpec<R>): HostSweep<R> {
  const { inventory, options, log } = spec
  const intervalMs = options.intervalSeconds * 1000
  let running: Promise<R> | null = null
  let timer: NodeJS.Timeout | null = null
  let stopped = true

  const sweep = async (): Promise<R> => {
    const result = spec.begin()
    let cursor: string | undefined
    do {
      const request = { currentState: 'PROVISIONED' as const, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) }
      const page = await inventory.listHosts(request)
      await mapLimit(page.hosts, options.concurrency, (host) => spec.visit(host, result))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    spec.end(result)
    return result
  }

  const runOnce = async (): Promise<R> => {
    while (running !== null) await running.catch(() => undefined)
    running = sweep()
    try {
      return await running
    } finally {
      running = null
    }
  }

  const schedule = (delayMs: number): void => {
    if (stopped) return
    timer = setTimeout(() => {
      timer = null
      runOnce()
        .then(
          (result) => spec.onSweep?.(result),
          (err: unknown) => log.warn({ err }, `${spec.name} failed`),
        )
        .finally(() => schedule(intervalMs))
    }, delayMs)
    timer.unref()
  }

  return {
    runOnce,
    start() {
      if (!stopped || intervalMs <= 0) return
      stopped = false
      schedule(spec.immediate === true ? 0 : intervalMs)
    },
    async stop() {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      await running?.catch(() => undefined)
    },
  }
}

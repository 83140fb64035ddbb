import type { Logger } from '../../lib/log.ts'
import { StartupError } from '../../lib/service-exit.ts'

/**
 * Waits for `ready` (a dependency the manager needs before it listens: the external broker's first sweep), logging
 * with growing intervals (1, 2, 4 ... 15 s); a StartupError after `timeoutMs`.
 */
export async function waitFor(what: string, ready: Promise<void>, timeoutMs: number, log: Logger): Promise<void> {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    const remaining = timeoutMs - (Date.now() - started)
    if (remaining <= 0) throw new StartupError(`${what} did not answer within ${timeoutMs} ms (startup.timeoutMs)`)
    let timer: NodeJS.Timeout | undefined
    const interval = Math.min(remaining, Math.min(15_000, 1000 * 2 ** attempt))
    const tick = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), interval)))
    const done = await Promise.race([ready.then(() => true), tick])
    clearTimeout(timer)
    if (done) return
    log.warn({ waitedMs: Date.now() - started, timeoutMs }, `waiting for ${what}`)
  }
}

/** What a poll step answers: true when done, else a short description of what it saw (for the timeout message). */
export type PollProbe = () => Promise<true | string> | true | string

/** Polls `probe` (an observable effect) every 100 ms until it returns true; fails with `what` and the last detail. */
export async function pollUntil(probe: PollProbe, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    const outcome = await probe()
    if (outcome === true) return
    last = outcome
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

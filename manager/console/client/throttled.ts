/**
 * Runs `task` at most once per `intervalMs`, never two at once, and never drops the last call: a call while a run
 * is under way or while it waits out the interval owes one more run, made as soon as both allow (calls in between
 * merge into it). So a live page re-fetches at most so often, and always ends on what the newest change shows.
 * (No DOM here: the manager's node tests run it too.)
 */
export function throttled(task: () => Promise<void>, intervalMs: number): () => void {
  let running = false
  let owed = false
  let timerSet = false
  let last = Number.NEGATIVE_INFINITY
  const run = async (): Promise<void> => {
    running = true
    owed = false
    last = Date.now()
    try {
      await task()
    } catch {
      // The next call tries again; the page keeps what it shows.
    } finally {
      running = false
      if (owed) schedule()
    }
  }
  const schedule = (): void => {
    owed = true
    if (running || timerSet) return
    const wait = last + intervalMs - Date.now()
    if (wait <= 0) {
      void run()
      return
    }
    timerSet = true
    setTimeout(() => {
      timerSet = false
      if (owed && !running) void run()
    }, wait)
  }
  return schedule
}

/**
 * Every wait of the gRPC tests is bounded, so that a stuck call or event is a clear failure naming what was
 * awaited, never a file that ava times out with every test pending.
 *
 * CALL_DEADLINE_MS: the deadline of every client call. Generous (a call takes milliseconds; a loaded 2-core
 * machine can stretch that to seconds), and well under ava's 60 s timeout, so DEADLINE_EXCEEDED is reported
 * with the test's own assertion instead of a timeout of the whole file.
 */
const CALL_DEADLINE_MS = 20_000
/** Waits for an event (a stream closed, a socket closed, a sweep): as generous as a call. */
export const EVENT_WAIT_MS = 20_000

/** The call deadline from now, as grpc-js takes it. */
export const callDeadline = (): Date => new Date(Date.now() + CALL_DEADLINE_MS)

/** Resolves or rejects as `promise` does, or rejects naming `what` after `timeoutMs`. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = EVENT_WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err instanceof Error ? err : new Error(String(err)))
      },
    )
  })
}

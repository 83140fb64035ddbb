/**
 * Runs tasks one at a time, in call order (a promise-chain mutex). A task starts only when the previous one has
 * settled, so anything it measures (e.g. an rpc timeout) starts when it runs, not when it was queued.
 */
export interface SerialQueue {
  run<T>(task: () => Promise<T>): Promise<T>
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task)
      tail = result.catch(() => undefined)
      return result
    },
  }
}

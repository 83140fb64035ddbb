/** One fixed window of a rate limit: when it started and how many events it counted. */
export interface FixedWindow {
  startedAt: number
  count: number
}

/** Where the windows live: a Map (keys that must be swept) or a WeakMap (keys that go away by themselves). */
export interface WindowStore<K> {
  get(key: K): FixedWindow | undefined
  set(key: K, window: FixedWindow): unknown
}

/** Counts one event of `key` at `now`; false when it is over `max` in the current window of `windowMs`. */
export function countInWindow<K>(store: WindowStore<K>, key: K, now: number, max: number, windowMs: number): boolean {
  const window = store.get(key)
  if (window === undefined || now - window.startedAt >= windowMs) {
    store.set(key, { startedAt: now, count: 1 })
    return true
  }
  window.count += 1
  return window.count <= max
}

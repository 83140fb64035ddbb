/** One fixed window of a rate limit: when it started and how many events it counted. */
export interface FixedWindow {
  startedAt: number
  count: number
}

/**
 * When the agent tries the broker again (docs/agent-deployment.md, "Reconnecting"). Two causes, two answers:
 * - `unreachable` (refused, reset, no route, DNS): the broker is down or restarting. Full jitter from `minMs`
 *   doubling per failed attempt, but never beyond `windowMs`: a fleet that lost its broker keeps trying at most a
 *   window apart, spread uniformly over it, so after a restart the fleet is back within about one window
 *   (10 000 nodes over 5 s: ~2 000 CONNECTs a second) instead of waiting on a 60 s backoff.
 * - `busy`: the broker is up but shedding load (CONNACK 3 "server unavailable", or the connection closed before any
 *   CONNACK: refused before a session, or the connect timeout), or it refused this CONNECT (CONNACK 2, 4, 5). Coming back sooner would only be refused again:
 *   the k-th busy answer in a row waits uniformly in [c/2, c], c = min(maxMs, windowMs · 2^(k-1)), so a fleet
 *   larger than the broker can take at once spreads itself over wider windows until it fits.
 * The window is min(windowMs, maxMs) and at least minMs.
 */
export type ReconnectCause = 'unreachable' | 'busy'

export interface ReconnectPolicy {
  minMs: number
  windowMs: number
  maxMs: number
}

export interface FailureStreak {
  /** Failed attempts since the last successful connection (any cause), before this one. */
  attempts: number
  /** Busy answers in a row, this one included (0 when this failure is not busy). */
  busy: number
}

export function reconnectDelay(
  cause: ReconnectCause,
  streak: FailureStreak,
  { minMs, windowMs, maxMs }: ReconnectPolicy,
  random: () => number = Math.random,
): number {
  const window = Math.max(minMs, Math.min(windowMs, maxMs))
  if (cause === 'busy') {
    const ceiling = Math.min(maxMs, window * 2 ** Math.min(Math.max(streak.busy, 1) - 1, 30))
    return Math.round(ceiling / 2 + random() * (ceiling / 2))
  }
  const ceiling = Math.min(window, minMs * 2 ** Math.min(streak.attempts, 30))
  const floor = Math.min(minMs / 2, ceiling)
  return Math.round(floor + random() * (ceiling - floor))
}

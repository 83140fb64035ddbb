/**
 * In-process counters of every rejection, by reason. broker/metrics.ts exports them to Prometheus (the manager's
 * `/metrics` when embedded, the `metrics` endpoint of `amt-broker`); tests read them to see that a rejection was
 * counted. Reasons are short stable kebab-case strings.
 */
export interface BrokerStats {
  /** CONNECT refused or connection dropped before a session existed (auth, rate limit, max connections). */
  connectionsRefused: Record<string, number>
  /** Established or half-established connections closed by the broker for a protocol or limit violation. */
  connectionsClosed: Record<string, number>
  publishDenied: Record<string, number>
  subscribeDenied: Record<string, number>
  forwardDropped: Record<string, number>
  /** Keepalive expiries re-armed because the broker held what the client had sent (broker/keepalive-deferral.ts). */
  keepaliveDeferred: Record<string, number>
}

export type StatsCategory = keyof BrokerStats

export class StatsCounters {
  readonly #counts: BrokerStats = {
    connectionsRefused: {},
    connectionsClosed: {},
    publishDenied: {},
    subscribeDenied: {},
    forwardDropped: {},
    keepaliveDeferred: {},
  }

  count(category: StatsCategory, reason: string): void {
    const bucket = this.#counts[category]
    bucket[reason] = (bucket[reason] ?? 0) + 1
  }

  /** A deep copy: callers cannot change the live counters. */
  snapshot(): BrokerStats {
    return {
      connectionsRefused: { ...this.#counts.connectionsRefused },
      connectionsClosed: { ...this.#counts.connectionsClosed },
      publishDenied: { ...this.#counts.publishDenied },
      subscribeDenied: { ...this.#counts.subscribeDenied },
      forwardDropped: { ...this.#counts.forwardDropped },
      keepaliveDeferred: { ...this.#counts.keepaliveDeferred },
    }
  }
}

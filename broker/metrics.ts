import { Counter, Gauge, type Registry } from 'prom-client'
import type { SharedStateHealth } from './cluster/redis-link.ts'
import type { BrokerStats, StatsCategory } from './stats.ts'

/**
 * The broker's counters as Prometheus metrics, the same names whether the broker is embedded in the manager (its
 * `/metrics`) or runs alone (`amt-broker`, config key `metrics`). Read from the broker at scrape time; reasons are
 * the ones broker/README.md lists under "Limits and counters".
 */
const BROKER_COUNTERS: Readonly<Record<StatsCategory, { name: string; help: string }>> = {
  connectionsRefused: {
    name: 'amt_broker_connections_refused_total',
    help: 'MQTT connections refused before a session (authentication, login limits, rate limit, caps), by reason',
  },
  connectionsClosed: {
    name: 'amt_broker_connections_closed_total',
    help: 'MQTT connections closed by the broker for a protocol or limit violation (oversized packets...), by reason',
  },
  publishDenied: {
    name: 'amt_broker_publish_denied_total',
    help: 'PUBLISH denied (ACL, payload check, device budget), by reason',
  },
  subscribeDenied: {
    name: 'amt_broker_subscribe_denied_total',
    help: 'SUBSCRIBE filters denied by the ACL, by reason',
  },
  forwardDropped: {
    name: 'amt_broker_forward_dropped_total',
    help: 'Messages not delivered to a subscriber whose ACL may not read them, by reason',
  },
  keepaliveDeferred: {
    name: 'amt_broker_keepalive_deferred_total',
    help: 'Keepalive expiries re-armed because the broker had not yet handled what the client sent, by reason',
  },
}

const BROKER_CONNECTIONS = 'amt_broker_connections'

/** What the metrics read from a running broker. */
export interface BrokerMetricsSource {
  stats(): BrokerStats
  /** MQTT connections open now, past CONNECT. */
  connections(): number
  /** A cluster's Redis connection; undefined for a broker in memory (its metrics are then not registered). */
  sharedState(): SharedStateHealth | undefined
}

/** Registers the broker's counters, its open-connections gauge and, in a cluster, its Redis link's on `registry`. */
export function registerBrokerMetrics(registry: Registry, broker: BrokerMetricsSource): void {
  const registers = [registry]
  const categories = Object.keys(BROKER_COUNTERS) as StatsCategory[]
  for (const category of categories) {
    const { name, help } = BROKER_COUNTERS[category]
    new Counter({
      name,
      help,
      labelNames: ['reason'] as const,
      registers,
      collect() {
        this.reset()
        for (const [reason, count] of Object.entries(broker.stats()[category])) this.inc({ reason }, count)
      },
    })
  }
  new Gauge({
    name: BROKER_CONNECTIONS,
    help: 'MQTT connections open now (past CONNECT: logged in)',
    registers,
    collect() {
      this.set(broker.connections())
    },
  })
  if (broker.sharedState() !== undefined) registerSharedStateMetrics(registers, broker)
}

function registerSharedStateMetrics(registers: Registry[], broker: BrokerMetricsSource): void {
  new Gauge({
    name: 'amt_broker_redis_connected',
    help: "1 while every connection to the cluster's Redis is ready, 0 while one reconnects",
    registers,
    collect() {
      this.set(broker.sharedState()?.connected === true ? 1 : 0)
    },
  })
  new Counter({
    name: 'amt_broker_redis_disconnects_total',
    help: "Connections to the cluster's Redis lost since start (each reconnects by itself)",
    registers,
    collect() {
      this.reset()
      this.inc(broker.sharedState()?.disconnects ?? 0)
    },
  })
}

import { Gauge, type Registry } from 'prom-client'
import type { RunningBroker } from '../../broker/create-broker.ts'
import { pressureLog, sampleFdPressure } from '../../lib/fd-pressure.ts'
import type { Logger } from '../../lib/log.ts'
import { connectionMetrics } from '../metrics.ts'

/**
 * Process-wide connection pressure (docs/operations.md, "Connection limits and hostile sockets"): open files
 * sampled against the limit (logged once per window, amt_manager_fd_pressure_total{listener="process"}), and the
 * embedded broker's connection refusals exported as amt_manager_broker_connections_refused{reason} (read from
 * its counters at scrape time). Returns stop().
 */
export function watchConnectionPressure(deps: { registry: Registry; log: Logger; broker: RunningBroker | null }): () => void {
  const counters = connectionMetrics(deps.registry)
  const report = pressureLog({ log: deps.log.child({ module: 'limits' }), count: ({ listener, code }) => counters.fdPressure.inc({ listener, code }) })
  const { broker } = deps
  if (broker !== null) {
    new Gauge({
      name: 'amt_manager_broker_connections_refused',
      help: 'Embedded broker: connections refused before a session (per-address cap, evicted, auth, rate limit, accept errors), by reason',
      labelNames: ['reason'] as const,
      registers: [deps.registry],
      collect() {
        for (const [reason, count] of Object.entries(broker.stats().connectionsRefused)) this.set({ reason }, count)
      },
    })
  }
  return sampleFdPressure({ report })
}

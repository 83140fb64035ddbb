import type { Registry } from 'prom-client'
import type { RunningBroker } from '../../broker/create-broker.ts'
import { registerBrokerMetrics } from '../../broker/metrics.ts'
import { pressureLog, sampleFdPressure } from '../../lib/fd-pressure.ts'
import type { Logger } from '../../lib/log.ts'
import { connectionMetrics } from '../metrics/metrics.ts'

/**
 * Process-wide connection pressure (docs/operations.md, "Connection limits and hostile sockets"): open files
 * sampled against the limit (logged once per window, amt_manager_fd_pressure_total{listener="process"}), and the
 * embedded broker's counters and open connections exported as amt_broker_* (broker/metrics.ts, read from the broker
 * at scrape time). Returns stop().
 */
export function watchConnectionPressure(deps: {
  registry: Registry
  log: Logger
  broker: RunningBroker | null
}): () => void {
  const counters = connectionMetrics(deps.registry)
  const count = ({ listener, code }: { listener: string; code: string }) => counters.fdPressure.inc({ listener, code })
  const report = pressureLog({ log: deps.log.child({ module: 'limits' }), count })
  if (deps.broker !== null) registerBrokerMetrics(deps.registry, deps.broker)
  return sampleFdPressure({ report })
}

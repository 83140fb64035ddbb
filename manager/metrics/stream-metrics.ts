import { Counter, Gauge, type Registry } from 'prom-client'

/** The API's live host-change streams (docs/operations.md "Metrics"). */
export interface StreamMetrics {
  /** Streams open now. */
  open: Gauge
  /** Streams refused by a cap, by reason (`per-token`, `total`). */
  refused: Counter<'reason'>
  /** Streams the manager ended, by reason (`slow-reader`, `shutdown`). */
  ended: Counter<'reason'>
}

const OPEN = 'amt_manager_host_change_streams'
const REFUSED = 'amt_manager_host_change_streams_refused_total'
const ENDED = 'amt_manager_host_change_streams_ended_total'

/** The stream metrics on `registry`, created once (a second API server on the same registry shares them). */
export function streamMetrics(registry: Registry): StreamMetrics {
  const open =
    (registry.getSingleMetric(OPEN) as Gauge | undefined) ??
    new Gauge({ name: OPEN, help: 'Live host-change streams (SSE) open now', registers: [registry] })
  const refused =
    (registry.getSingleMetric(REFUSED) as Counter<'reason'> | undefined) ??
    new Counter({
      name: REFUSED,
      help: 'Live host-change streams refused by a cap, by reason (per-token, total)',
      labelNames: ['reason'] as const,
      registers: [registry],
    })
  const ended =
    (registry.getSingleMetric(ENDED) as Counter<'reason'> | undefined) ??
    new Counter({
      name: ENDED,
      help: 'Live host-change streams the manager ended, by reason (slow-reader, shutdown)',
      labelNames: ['reason'] as const,
      registers: [registry],
    })
  return { open, refused, ended }
}

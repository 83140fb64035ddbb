import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { StateCount } from '../inventory/port.ts'

/**
 * The manager's Prometheus metrics, on a registry of its own (no global default registry: two managers in one
 * test process must not share counters). `/metrics` serves `registry.metrics()`.
 */
export interface ManagerMetrics {
  registry: Registry
  /** Every MQTT message whose leaf could be read, by leaf (`unknown` when the topic did not parse). */
  messages: Counter<'leaf'>
  /** Every rejected message, by reason (decode reasons, unknown-host, stale, duplicate, ...). */
  rejections: Counter<'reason'>
  /** Reports that changed nothing stored (same content again). */
  unchanged: Counter<'leaf'>
  /** Seconds from the activation request to the PROVISIONED report. */
  activationDuration: Histogram
  /**
   * Activation requests answered, by result: provisioned, failed, not_supported (its own series, never a failure),
   * deadline_passed (no result from the agent within deadlines.activationMs). Counted once per request.
   */
  activations: Counter<'result'>
  /** Messages handled per Inventory transaction. */
  ingestBatchSize: Histogram
  /** Inventory transactions of the ingest that failed (messages of a failed batch are lost; retained ones return). */
  ingestErrors: Counter
  /** Publications by leaf (desired, status, secret/res). */
  published: Counter<'leaf'>
  /** Reports over their host's rate budget (events, secret/req), dropped before the Inventory, by leaf. */
  budgetDrops: Counter<'leaf'>
  /** Audit events deleted by retention, by reason (age, count, security-age). */
  auditPruned: Counter<'reason'>
  /** secret/req refused because no operation of the host needs the password (SECRET_NOT_NEEDED). */
  secretRefusals: Counter
  /**
   * Hosts by (desired state, current state, indicator, the agent's last reported phase or NONE), read from Inventory
   * at scrape time. NOT_SUPPORTED hosts are shown ERROR to users; the phase label keeps them apart from failures.
   */
  hosts: Gauge<'desired_state' | 'current_state' | 'status_indicator' | 'phase'>
  /** 1 while this process holds the lease of that name (once-cluster-wide work runs here), else 0. */
  leaseHeld: Gauge<'name'>
  /** Every change of a lease's holding here, by name and to (gained, lost). */
  leaseTransitions: Counter<'name' | 'to'>
  /** Replicas (PostgreSQL): 1 while the LISTEN connection of the live host-change feed is up, else 0. */
  changeFeedListening: Gauge
  /** Replicas: the live streams were told to resync, by reason (reconnected: LISTEN was lost; skipped). */
  changeFeedResyncs: Counter<'reason'>
}

export interface MetricsSource {
  countHosts(): Promise<StateCount[]>
}

const ACTIVATION_RESULTS = ['provisioned', 'failed', 'not_supported', 'deadline_passed'] as const

/** The `phase` label of a host that has not reported a state yet. */
const NO_PHASE = 'NONE'

const ACTIVATION_BUCKETS_SECONDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800]

export function createManagerMetrics(source: MetricsSource): ManagerMetrics {
  const registry = new Registry()
  const registers = [registry]
  const hosts = new Gauge({
    name: 'amt_manager_hosts',
    help: "Hosts by desired AMT state, current AMT state, status indicator and the agent's last reported phase",
    labelNames: ['desired_state', 'current_state', 'status_indicator', 'phase'] as const,
    registers,
    async collect() {
      const counts = await source.countHosts()
      this.reset()
      for (const row of counts) {
        const labels = {
          desired_state: row.desiredState,
          current_state: row.currentState,
          status_indicator: row.statusIndicator,
        }
        this.set({ ...labels, phase: row.phase ?? NO_PHASE }, row.count)
      }
    },
  })
  const activations = new Counter({
    name: 'amt_manager_activations_total',
    help: 'Activation requests answered, by result (provisioned, failed, not_supported, deadline_passed)',
    labelNames: ['result'] as const,
    registers,
  })
  for (const result of ACTIVATION_RESULTS) activations.inc({ result }, 0)
  return {
    registry,
    hosts,
    activations,
    messages: new Counter({
      name: 'amt_manager_messages_total',
      help: 'MQTT messages received, by leaf',
      labelNames: ['leaf'] as const,
      registers,
    }),
    rejections: new Counter({
      name: 'amt_manager_rejections_total',
      help: 'Messages rejected, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    unchanged: new Counter({
      name: 'amt_manager_unchanged_reports_total',
      help: 'Accepted reports that changed nothing stored, by leaf',
      labelNames: ['leaf'] as const,
      registers,
    }),
    activationDuration: new Histogram({
      name: 'amt_manager_activation_duration_seconds',
      help: 'Time from the activation request to the PROVISIONED report',
      buckets: ACTIVATION_BUCKETS_SECONDS,
      registers,
    }),
    ingestBatchSize: new Histogram({
      name: 'amt_manager_ingest_batch_size',
      help: 'Reports handled per Inventory transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000],
      registers,
    }),
    ingestErrors: new Counter({
      name: 'amt_manager_ingest_errors_total',
      help: 'Ingest transactions that failed',
      registers,
    }),
    budgetDrops: new Counter({
      name: 'amt_manager_report_budget_drops_total',
      help: "Reports dropped over their host's rate budget, by leaf",
      labelNames: ['leaf'] as const,
      registers,
    }),
    auditPruned: new Counter({
      name: 'amt_manager_audit_pruned_total',
      help: 'Audit events deleted by retention, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    secretRefusals: new Counter({
      name: 'amt_manager_secret_refusals_total',
      help: 'Secret requests refused: no operation of the host needs its AMT password',
      registers,
    }),
    published: new Counter({
      name: 'amt_manager_published_total',
      help: 'Messages published by the manager, by leaf',
      labelNames: ['leaf'] as const,
      registers,
    }),
    leaseHeld: new Gauge({
      name: 'amt_manager_lease_held',
      help: 'Whether this process holds the lease (1) of once-cluster-wide work, by lease name',
      labelNames: ['name'] as const,
      registers,
    }),
    leaseTransitions: new Counter({
      name: 'amt_manager_lease_transitions_total',
      help: 'Lease holding changes of this process, by lease name and to (gained, lost)',
      labelNames: ['name', 'to'] as const,
      registers,
    }),
    changeFeedListening: new Gauge({
      name: 'amt_manager_change_feed_listen_connected',
      help: "Whether the LISTEN connection of the replicas' live host-change feed is up (1) (PostgreSQL only)",
      registers,
    }),
    changeFeedResyncs: new Counter({
      name: 'amt_manager_change_feed_resyncs_total',
      help: "Live streams told to resync because other replicas' changes were lost, by reason",
      labelNames: ['reason'] as const,
      registers,
    }),
  }
}

/** Connection-level counters of the manager's listeners (docs/operations.md, "Connection limits and hostile sockets"). */
export interface ConnectionMetrics {
  /** Sockets refused or evicted before a request or login, by listener (api, mqtt) and reason. */
  refused: Counter<'listener' | 'reason'>
  /** File-descriptor pressure: accept errors (EMFILE, ENFILE, ...) and high-water samples, by listener and code. */
  fdPressure: Counter<'listener' | 'code'>
}

const CONNECTIONS_REFUSED = 'amt_manager_connections_refused_total'
const FD_PRESSURE = 'amt_manager_fd_pressure_total'

/** The connection counters on `registry`, created once (the API and main() both ask for them). */
export function connectionMetrics(registry: Registry): ConnectionMetrics {
  const refused =
    (registry.getSingleMetric(CONNECTIONS_REFUSED) as Counter<'listener' | 'reason'> | undefined) ??
    new Counter({
      name: CONNECTIONS_REFUSED,
      help: 'Sockets refused or evicted before a request or login, by listener and reason',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    })
  const fdPressure =
    (registry.getSingleMetric(FD_PRESSURE) as Counter<'listener' | 'code'> | undefined) ??
    new Counter({
      name: FD_PRESSURE,
      help: 'File-descriptor pressure events (accept errors, open files near the limit), by listener and code',
      labelNames: ['listener', 'code'] as const,
      registers: [registry],
    })
  return { refused, fdPressure }
}

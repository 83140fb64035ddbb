import { Counter, Gauge, type Registry } from 'prom-client'
import { MEMBER_STATUSES, ROLLOUT_STATES, isFinalState } from '../rollouts/rollout.ts'
import { PROGRESS_FIELD, type RolloutStore } from '../rollouts/store.ts'

/** The rollouts whose members are series: those not yet final (read with the store's state filter). */
const OPEN_STATES = ROLLOUT_STATES.filter((state) => !isFinalState(state))

/** The rollout figures on /metrics (docs/rollouts.md "Metrics"). */
export interface RolloutMetrics {
  /** Hosts a rollout started (desired set), by tenant. Counted by the replica holding the lease. */
  starts: Counter<'tenant_id'>
  /** Rollouts that changed state, by the state reached. */
  transitions: Counter<'to'>
  /** Start rounds whose desired write (setDesired) failed, by tenant: the rollout holds its starts with a backoff. */
  startFailures: Counter<'tenant_id'>
  /** Final rollouts deleted by the retention sweep (rollout-retention.ts), with their members. */
  deleted: Counter
}

/**
 * Registers the rollout metrics. Read from the store at scrape time (every replica shows the same): rollouts by
 * state (amt_manager_rollouts{state}: one count query, however many rollouts the store keeps), and the members of every rollout not yet final by status
 * (amt_manager_rollout_hosts{tenant_id,rollout_id,status}; a final rollout leaves the series, which keeps their
 * number bounded by the rollouts under way).
 */
export function createRolloutMetrics(
  registry: Registry,
  store: Pick<RolloutStore, 'list' | 'progress' | 'countByState'>,
): RolloutMetrics {
  new Gauge({
    name: 'amt_manager_rollouts',
    help: 'Rollouts by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset()
      const counts = await store.countByState()
      for (const state of ROLLOUT_STATES) this.set({ state }, counts[state])
    },
  })
  new Gauge({
    name: 'amt_manager_rollout_hosts',
    help: 'Members of the rollouts not yet final, by status',
    labelNames: ['tenant_id', 'rollout_id', 'status'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const rollout of await store.list({ states: OPEN_STATES })) {
        const progress = await store.progress(rollout.id)
        for (const status of MEMBER_STATUSES)
          this.set({ tenant_id: rollout.tenantId, rollout_id: rollout.id, status }, progress[PROGRESS_FIELD[status]])
      }
    },
  })
  return {
    starts: new Counter({
      name: 'amt_manager_rollout_starts_total',
      help: 'Hosts started by rollouts (desired set through the normal path), by tenant',
      labelNames: ['tenant_id'],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'amt_manager_rollout_transitions_total',
      help: 'Rollout state changes, by the state reached',
      labelNames: ['to'],
      registers: [registry],
    }),
    startFailures: new Counter({
      name: 'amt_manager_rollout_start_failures_total',
      help: 'Rollout start rounds whose desired write failed (e.g. RPS down), by tenant; starts back off',
      labelNames: ['tenant_id'],
      registers: [registry],
    }),
    deleted: new Counter({
      name: 'amt_manager_rollouts_deleted_total',
      help: 'Final rollouts deleted with their members by the retention sweep (rollouts.retention)',
      registers: [registry],
    }),
  }
}

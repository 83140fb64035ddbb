import { Counter, Gauge, type Registry } from 'prom-client'
import type { SecretStore } from '../secrets/port.ts'

/** The external systems the manager reports on (docs/operations.md, "Health and metrics"). */
type Dependency = 'vault' | 'rps' | 'mps'

/** Notes the outcome of a call to a dependency: reachable (it answered, even with a 4xx) or not. */
export type ReachabilityObserver = (dependency: Dependency, reachable: boolean) => void

export interface DependencyMetricsOptions {
  /** Vault is probed at scrape time through `health()` (reachable, authenticated, unsealed); a local store is not. */
  secretStore?: Pick<SecretStore, 'kind' | 'health'>
  /** How long a scrape waits for Vault's health; longer counts as unreachable. Default 5 s. */
  healthTimeoutMs?: number
}

const UP = 'amt_manager_dependency_up'
const FAILURES = 'amt_manager_dependency_failures_total'

/**
 * `amt_manager_dependency_up{dependency}` (1 reachable, 0 not) and `amt_manager_dependency_failures_total{dependency}`.
 * Vault: probed at every scrape. RPS and MPS: the outcome of the manager's latest call (network error, timeout or
 * 5xx after the retries: 0; any other answer: 1); no series before the first call. Returns the observer the RPS/MPS
 * clients report to.
 */
export function dependencyMetrics(registry: Registry, options: DependencyMetricsOptions = {}): ReachabilityObserver {
  const { secretStore, healthTimeoutMs = 5000 } = options
  const failures = new Counter({
    name: FAILURES,
    help: 'Calls to an external dependency (vault, rps, mps) that found it unreachable, by dependency',
    labelNames: ['dependency'] as const,
    registers: [registry],
  })
  const up = new Gauge({
    name: UP,
    help: 'Whether the dependency (vault, rps, mps) answered: Vault probed at scrape time, RPS/MPS at the latest call',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      if (secretStore?.kind !== 'vault') return
      const healthy = await withTimeout(
        secretStore.health().then((health) => health.ok),
        healthTimeoutMs,
      )
      this.set({ dependency: 'vault' }, healthy ? 1 : 0)
      if (!healthy) failures.inc({ dependency: 'vault' })
    },
  })
  return (dependency, reachable) => {
    up.set({ dependency }, reachable ? 1 : 0)
    if (!reachable) failures.inc({ dependency })
  }
}

function withTimeout(pending: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  return Promise.race([pending.catch(() => false), late]).finally(() => clearTimeout(timer))
}

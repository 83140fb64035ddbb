import type { ManagerProcess, ManagerSetup, PreparedManager } from './fleet-manager.ts'
import type { StormRestart } from './fleet-storm.ts'
import type { MetricSample } from '../helpers/metrics-text.ts'

/**
 * Where the devices of the fleet benchmark connect, and what runs besides the manager: its embedded broker (the
 * default), or a cluster of `amt-broker serve` instances on one Redis (fleet-broker-cluster.ts).
 */
export interface Topology {
  /** What the manager's config needs of it (an external broker); empty for the embedded broker. */
  readonly managerSetup: Pick<ManagerSetup, 'externalBroker'>
  /** What the connection storm restarts, in words. */
  readonly restarted: string
  /** The broker the host at `index` (in the manager's device list) connects to; undefined: the manager's own. */
  brokerUrl(index: number): string | undefined
  /** Called with the manager's Inventory seeded, before the manager starts. */
  start(prepared: PreparedManager): Promise<void>
  /** Processes besides the manager and the simulators, for their memory. */
  processes(): Array<{ name: string; pid: number }>
  /** The storm's restart; undefined: the manager's (stop it, start a new one). */
  restart?(manager: ManagerProcess): StormRestart
  /** The brokers' /metrics, all instances' samples together; undefined: the manager's own (its embedded broker). */
  brokerMetrics?(): Promise<MetricSample[]>
  close(): Promise<void>
}

export function embeddedTopology(): Topology {
  return {
    managerSetup: {},
    restarted: 'old manager',
    brokerUrl: () => undefined,
    start: () => Promise.resolve(),
    processes: () => [],
    close: () => Promise.resolve(),
  }
}

import type { Aedes } from 'aedes'
import type { SharedStateHealth } from './cluster/redis-link.ts'
import { IndexedMemoryPersistence } from './persistence/indexed-memory-persistence.ts'

/**
 * Where sessions, retained messages and routing live, handed to aedes as its `persistence` and `mq`. In memory by
 * default (below); for a cluster, aedes-persistence-redis + mqemitter-redis on a shared Redis
 * (broker/cluster/redis-backends.ts).
 */
export interface BrokerBackends {
  persistence?: unknown
  mq?: unknown
  /** The shared state's connection (a cluster's Redis), for the metrics; absent in memory. */
  health?: () => SharedStateHealth
  /** A cluster's heartbeat period (aedes' `heartbeatInterval`); undefined: aedes' default. */
  heartbeatMs?: number
  /** Called once with the broker built on these backends, before any listener opens. */
  attach?: (aedes: Aedes) => void
  /** Called after aedes and the listeners have closed. */
  close?: () => Promise<void>
}

/**
 * The backends a broker runs on: the factory's, with the in-memory persistence (retained messages indexed by
 * topic, `IndexedMemoryPersistence`) where it gives none. Without an `mq`, aedes uses its own in-memory mqemitter.
 */
export async function resolveBackends(factory?: () => Promise<BrokerBackends>): Promise<BrokerBackends> {
  const given = (await factory?.()) ?? {}
  return given.persistence === undefined ? { ...given, persistence: new IndexedMemoryPersistence() } : given
}

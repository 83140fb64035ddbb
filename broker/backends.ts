import { IndexedMemoryPersistence } from './persistence/indexed-memory-persistence.ts'

/**
 * Where sessions, retained messages and routing live, handed to aedes as its `persistence` and `mq`. In memory by
 * default (below). The seam for a clustered broker: a factory returning aedes-persistence-redis + mqemitter-redis
 * instances (not implemented yet).
 */
export interface BrokerBackends {
  persistence?: unknown
  mq?: unknown
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

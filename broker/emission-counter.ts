import type { Aedes } from 'aedes'

/** The packet fields aedes' duplicate check reads (aedes-packet; untyped in aedes' own types). */
interface CountedPacket {
  brokerId?: string
  brokerCounter?: number
}

/** What is touched of aedes: its id, its packet counter and its persistence's storeRetained (untyped in aedes). */
interface CountingBroker {
  id: string
  counter: number
  persistence: { storeRetained(packet: CountedPacket): Promise<void> }
}

/**
 * aedes gives every PUBLISH a counter of its broker (`brokerCounter`) when it arrives, and a client drops a delivery
 * whose counter is not above the last one it got from that broker (aedes' `dedupe`, against overlapping
 * subscriptions). A retained PUBLISH goes on only after its store in the persistence, which in a cluster is a Redis
 * round trip: a plain PUBLISH arriving meanwhile went on first with a higher counter, and the retained one then
 * reached no live subscriber (measured: of 300 devices publishing state and events at once, ~100 states came
 * through). So a retained PUBLISH of this broker takes a new counter once it is stored, before anything else uses
 * it: aedes then queues it for persistent sessions (`enqueueOffline`, which records the counter) and emits it with
 * that one counter. (Stamping at the emit instead broke persistent sessions: their queued copy kept the old counter,
 * the PUBACK matched nothing, and aedes closed the connection — "no such packet".)
 */
export function stampCounterWhenStored(aedes: Aedes): void {
  const broker = aedes as unknown as CountingBroker
  const persistence = broker.persistence
  const store = persistence.storeRetained.bind(persistence)
  persistence.storeRetained = async (packet) => {
    await store(packet)
    if (packet.brokerId === broker.id) packet.brokerCounter = ++broker.counter
  }
}

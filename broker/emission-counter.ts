import type { Aedes } from 'aedes'

/** The packet fields aedes' duplicate check reads (aedes-packet; untyped in aedes' own types). */
interface EmittedPacket {
  brokerId?: string
  brokerCounter?: number
}

/** What is touched of aedes: its id, its packet counter and its emitter's emit (the last two untyped in aedes). */
interface CountingBroker {
  id: string
  counter: number
  mq: { emit(packet: EmittedPacket, done?: (err?: Error) => void): void }
}

/**
 * aedes gives every PUBLISH a counter of its broker (`brokerCounter`) when it arrives, and a client drops a delivery
 * whose counter is not above the last one it got from that broker (aedes' `dedupe`, against overlapping
 * subscriptions). A retained PUBLISH is emitted only after its store in the persistence, which in a cluster is a
 * Redis round trip: a plain PUBLISH arriving meanwhile is emitted first with a higher counter, and the retained one
 * then reaches no live subscriber (measured: of 300 devices publishing state and events at once, ~100 states came
 * through). Stamped again when emitted, the counter grows in the order the emitter carries the messages — to every
 * subscriber of this broker and, through Redis, of the others.
 */
export function stampCounterAtEmission(aedes: Aedes): void {
  const broker = aedes as unknown as CountingBroker
  const emit = broker.mq.emit.bind(broker.mq)
  broker.mq.emit = (packet, done) => {
    if (packet.brokerId === broker.id) packet.brokerCounter = ++broker.counter
    emit(packet, done)
  }
}

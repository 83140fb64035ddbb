/** aedes' heartbeat period (broker/create-broker.ts keeps aedes' default): every instance announces itself so often. */
const AEDES_HEARTBEAT_MS = 60_000
/** aedes takes an instance for dead after three missed heartbeats and then publishes its clients' last wills. */
const DEAD_AFTER_BEATS = 3
/** A dead instance is forgotten long after aedes has published its wills (within 7 beats of its death). */
const FORGET_AFTER_BEATS = 20

/**
 * Which manager replica dispatches a device message when the embedded brokers form a cluster (each replica embeds
 * one aedes instance; the instances share routing, e.g. through mqemitter-redis, so a message published on one
 * instance reaches the manager's in-process subscription on every instance). The rule (docs/replicas.md):
 * - a message is dispatched by the replica whose broker instance the device is connected to: aedes stamps every
 *   packet with the id of the instance that received it (`brokerId`). One connection's messages thus reach one
 *   replica, in their order;
 * - a message from an instance not heard from yet (its first heartbeat is still to come) is left to that
 *   instance's own replica;
 * - a message from a DEAD instance (no heartbeat for three beats) is a last will aedes republishes for the dead
 *   instance's clients, stamped with the dead instance's id: the live replica with the lowest broker id
 *   dispatches it (its own replica is gone with it).
 * The roster hears the heartbeats itself (`heard`): aedes drops a dead instance from its own table before it
 * republishes that instance's wills.
 */
export class BrokerRoster {
  readonly #ownId: string
  readonly #beatMs: number
  readonly #lastBeat = new Map<string, number>()

  constructor(ownId: string, { heartbeatMs = AEDES_HEARTBEAT_MS }: { heartbeatMs?: number } = {}) {
    this.#ownId = ownId
    this.#beatMs = heartbeatMs
  }

  /** A heartbeat of an instance (the payload of `$SYS/<id>/heartbeat`) heard at `now` (ms). */
  heard(brokerId: string, now: number): void {
    this.#lastBeat.set(brokerId, now)
    for (const [id, at] of this.#lastBeat) {
      if (at + FORGET_AFTER_BEATS * this.#beatMs < now) this.#lastBeat.delete(id)
    }
  }

  /** Whether this replica dispatches a message stamped with `brokerId`, at `now` (ms). */
  dispatchesHere(brokerId: string | null | undefined, now: number): boolean {
    if (brokerId === this.#ownId) return true
    const last = brokerId === null || brokerId === undefined ? undefined : this.#lastBeat.get(brokerId)
    if (last === undefined || this.#alive(last, now)) return false
    const live = [...this.#lastBeat].filter(([, at]) => this.#alive(at, now)).map(([id]) => id)
    return [this.#ownId, ...live].sort()[0] === this.#ownId
  }

  #alive(lastBeat: number, now: number): boolean {
    return lastBeat + DEAD_AFTER_BEATS * this.#beatMs >= now
  }
}

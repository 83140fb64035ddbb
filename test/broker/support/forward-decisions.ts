import type { Aedes } from 'aedes'
import { within } from './mqtt-clients.ts'

export interface ForwardDecision {
  topic: string
  allowed: boolean
}

/**
 * Records the broker's authorizeForward decisions per client id (the hook itself runs unchanged), so a test
 * knows when every message that could reach a client has been decided: after that, what the client received
 * is final and "not delivered" can be asserted without sleeping.
 */
export class ForwardDecisions {
  readonly #byClient = new Map<string, ForwardDecision[]>()
  readonly #waiters = new Set<() => void>()

  constructor(aedes: Aedes) {
    const decide = aedes.authorizeForward
    aedes.authorizeForward = (client, packet) => {
      const result = decide(client, packet)
      const decisions = this.#byClient.get(client.id) ?? []
      decisions.push({ topic: packet.topic, allowed: result !== null && result !== undefined })
      this.#byClient.set(client.id, decisions)
      for (const wake of this.#waiters) wake()
      return result
    }
  }

  of(clientId: string): readonly ForwardDecision[] {
    return this.#byClient.get(clientId) ?? []
  }

  /** Resolves once `count` decisions were made for the client. */
  until(clientId: string, count: number): Promise<readonly ForwardDecision[]> {
    let wake: () => void = () => undefined
    const reached = new Promise<readonly ForwardDecision[]>((resolve) => {
      wake = () => {
        if (this.of(clientId).length >= count) resolve(this.of(clientId))
      }
      this.#waiters.add(wake)
      wake()
    })
    return within(reached, `${count} forward decisions for ${clientId}`).finally(() => this.#waiters.delete(wake))
  }
}

import { LEAF_RULES } from '../schemas/topics.ts'
import type { AgentMessage, MessageLeaf } from './messages.ts'

/**
 * What must reach the broker, bounded. Retained leaves (capability, state) keep only their latest body and are
 * republished after every (re)connect anyway; non-retained messages (events, secret requests) wait in a FIFO of
 * at most `limit` entries, dropping the oldest event first (then the oldest of anything) when full.
 */
export interface Outbox {
  /** Records a message. Returns the message dropped to make room, if any. */
  put(message: AgentMessage): AgentMessage | undefined
  /** Latest body of every retained leaf, in publish order of first appearance. */
  retained(): AgentMessage[]
  /** Takes all queued non-retained messages, oldest first. */
  drain(): AgentMessage[]
  readonly queued: number
}

export function createOutbox(limit: number): Outbox {
  const latest = new Map<MessageLeaf, AgentMessage>()
  let queue: AgentMessage[] = []

  const dropOne = (): AgentMessage | undefined => {
    const eventIndex = queue.findIndex((m) => m.leaf === 'events')
    const index = eventIndex >= 0 ? eventIndex : 0
    const [dropped] = queue.splice(index, 1)
    return dropped
  }

  return {
    put(message) {
      if (LEAF_RULES[message.leaf].retained) {
        latest.set(message.leaf, message)
        return undefined
      }
      const dropped = queue.length >= limit ? dropOne() : undefined
      queue.push(message)
      return dropped
    },
    retained: () => [...latest.values()],
    drain() {
      const taken = queue
      queue = []
      return taken
    },
    get queued() {
      return queue.length
    },
  }
}

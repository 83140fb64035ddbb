import { isDeepStrictEqual } from 'node:util'
import type { EventKind } from '../../schemas/index.ts'
import type { AgentMessage, CapabilityBody, EventBody, StateBody } from '../messages.ts'

/** Publishes state and capability when they change (the bus republishes them on reconnect), and events. */
export interface Reporter {
  state(body: StateBody): void
  capability(body: CapabilityBody): void
  event(kind: EventKind, message: string, extra?: Pick<EventBody, 'generation' | 'detail'>): void
  lastState(): StateBody | null
  lastCapability(): CapabilityBody | null
}

export function createReporter(publish: (message: AgentMessage) => void): Reporter {
  let state: StateBody | null = null
  let capability: CapabilityBody | null = null
  return {
    state(body) {
      if (isDeepStrictEqual(body, state)) return
      state = body
      publish({ leaf: 'state', body })
    },
    capability(body) {
      if (isDeepStrictEqual(body, capability)) return
      capability = body
      publish({ leaf: 'capability', body })
    },
    event(kind, message, extra = {}) {
      publish({ leaf: 'events', body: { kind, message: message.slice(0, 1024), ...extra } })
    },
    lastState: () => state,
    lastCapability: () => capability,
  }
}

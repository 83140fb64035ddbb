import type { AgentLeaf, BodyOf, Decoded } from '../schemas/index.ts'

/** Leaves this agent's reconciler publishes (presence is owned by the bus: birth, last will, goodbye). */
export type MessageLeaf = Exclude<AgentLeaf, 'presence'>

/**
 * One outgoing message, typed per leaf (`AgentMessage<L>`: of the leaves L). The body is the payload without its
 * envelope: the bus adds v, ts, hostId, bootId and seq when it sends.
 */
export type AgentMessage<L extends MessageLeaf = MessageLeaf> = { [P in L]: { leaf: P; body: BodyOf<P> } }[L]

export type StateBody = BodyOf<'state'>
export type CapabilityBody = BodyOf<'capability'>
export type EventBody = BodyOf<'events'>

/** What the bus hands to the agent: a decoded message for one of our subscriptions, a clear, or a rejection. */
export type InboundListener = (decoded: Decoded) => void

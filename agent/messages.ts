import type { Decoded, Leaf, PayloadOf } from '../schemas/index.ts'

/** Leaves this agent publishes (presence is owned by the bus: birth, last will, goodbye). */
export type AgentLeaf = Extract<Leaf, 'capability' | 'state' | 'events' | 'secret/req'>

type EnvelopeKey = 'v' | 'ts' | 'hostId' | 'bootId' | 'seq'

/** A payload without its envelope: the bus adds v, ts, hostId, bootId and seq when it sends. */
export type AgentBody<L extends AgentLeaf | 'presence'> = Omit<PayloadOf<L>, EnvelopeKey>

/** One outgoing message, typed per leaf. */
export type AgentMessage = { [L in AgentLeaf]: { leaf: L; body: AgentBody<L> } }[AgentLeaf]

export type StateBody = AgentBody<'state'>
export type CapabilityBody = AgentBody<'capability'>
export type EventBody = AgentBody<'events'>

/** What the bus hands to the agent: a decoded message for one of our subscriptions, a clear, or a rejection. */
export type InboundListener = (decoded: Decoded) => void

import type { z } from 'zod'
import type { AgentEnvelopeKey } from '../envelope.ts'
import type { AgentLeaf, Leaf } from '../topics.ts'
import { Capability } from './capability.ts'
import { Desired } from './desired.ts'
import { Event } from './events.ts'
import { Presence } from './presence.ts'
import { SecretRequest, SecretResponse } from './secret.ts'
import { State } from './state.ts'
import { HostStatus } from './status.ts'

export { Desired, SecretResponse }
export { Ras, TrustedRootHash } from './capability.ts'
export { RpcError } from './error.ts'
export { EventKind } from './events.ts'

/** The payload schema of every leaf. */
export const PAYLOADS = {
  presence: Presence,
  capability: Capability,
  state: State,
  events: Event,
  desired: Desired,
  'secret/req': SecretRequest,
  'secret/res': SecretResponse,
  status: HostStatus,
} as const satisfies Record<Leaf, z.ZodType>

export type PayloadOf<L extends Leaf> = z.infer<(typeof PAYLOADS)[L]>

/** An agent payload without its envelope (v, ts, hostId, bootId, seq): what the agent says. */
export type BodyOf<L extends AgentLeaf> = Omit<PayloadOf<L>, AgentEnvelopeKey>

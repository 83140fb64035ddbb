import { SCHEMA_VERSION } from '../schemas/wire-rules.ts'

interface AgentEnvelope {
  v: typeof SCHEMA_VERSION
  ts: string
  hostId: string
  bootId: string
  seq: number
}

export interface Sequencer {
  readonly bootId: string
  /** Takes the next sequence number of this boot. */
  reserve(): number
  /** The envelope for a reserved sequence number, stamped now. */
  envelope(seq: number): AgentEnvelope
}

/** One monotonic seq counter per boot (process start): receivers drop stale and duplicate messages by it. */
export function createSequencer({
  hostId,
  bootId,
  now = Date.now,
}: {
  hostId: string
  bootId: string
  now?: () => number
}): Sequencer {
  let next = 0
  return {
    bootId,
    reserve: () => next++,
    envelope: (seq) => ({ v: SCHEMA_VERSION, ts: new Date(now()).toISOString(), hostId, bootId, seq }),
  }
}

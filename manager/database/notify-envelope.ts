import { z } from 'zod'

/**
 * The payload of one NOTIFY between replicas (postgres-broadcast.ts): a protocol version, the sender's instance id,
 * the sender's envelope number `n` (1, 2, 3, … per start of the sender: a skipped number is a lost envelope) and the
 * messages, oldest first:
 *   {"v":1,"from":"<instance>","n":7,"m":[<message>,<message>,…]}
 */
const Envelope = z.object({
  v: z.literal(1),
  from: z.string().min(1).max(256),
  n: z.int().min(1),
  m: z.array(z.unknown()),
})
type Envelope = z.infer<typeof Envelope>

/** PostgreSQL's limit: a payload must be shorter than 8000 bytes (in the default configuration). */
export const MAX_PAYLOAD_BYTES = 7999
/** Room for the header and the closing of an envelope (the sender's id is at most 256 characters). */
const ENVELOPE_ROOM = 400
/** The largest message (JSON text) that fits into an envelope alone. */
export const MAX_MESSAGE_BYTES = MAX_PAYLOAD_BYTES - ENVELOPE_ROOM

/**
 * Packs messages (JSON texts of at most MAX_MESSAGE_BYTES each) into as few envelopes as fit, in order; `next`
 * gives each envelope its number. With `single`, one message per envelope.
 */
export function packEnvelopes(
  from: string,
  messages: readonly string[],
  next: () => number,
  { single = false }: { single?: boolean } = {},
): string[] {
  const envelopes: string[] = []
  const sender = JSON.stringify(from)
  let batch: string[] = []
  let bytes = 0
  const close = (): void => {
    if (batch.length === 0) return
    envelopes.push(`{"v":1,"from":${sender},"n":${next()},"m":[${batch.join(',')}]}`)
    batch = []
    bytes = 0
  }
  for (const message of messages) {
    const size = Buffer.byteLength(message) + 1
    if (single || bytes + size > MAX_MESSAGE_BYTES) close()
    batch.push(message)
    bytes += size
  }
  close()
  return envelopes
}

/** Parses a payload; null when it is not an envelope of this version (a newer replica's, or garbage). */
export function parseEnvelope(payload: string): Envelope | null {
  try {
    const parsed = Envelope.safeParse(JSON.parse(payload))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Remembers the last envelope number per sender (the most recent `limit` senders): a skipped number is a loss. */
export class EnvelopeSequence {
  readonly #last = new Map<string, number>()
  readonly #limit: number

  constructor(limit = 1000) {
    this.#limit = limit
  }

  /** Whether envelopes of `from` were lost before this one (never for a sender's first one seen). */
  skipped({ from, n }: Pick<Envelope, 'from' | 'n'>): boolean {
    const last = this.#last.get(from)
    this.#last.delete(from)
    this.#last.set(from, n)
    if (this.#last.size > this.#limit) this.#last.delete(this.#last.keys().next().value as string)
    return last !== undefined && n !== last + 1
  }

  /** Forget every sender (after the listener's own gap, numbers skip by themselves). */
  clear(): void {
    this.#last.clear()
  }
}

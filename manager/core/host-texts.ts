import type { Host } from '../inventory/port.ts'

/** Distinct texts a pool holds before it starts afresh. */
const DEFAULT_MAX_TEXTS = 4096
/** Longer texts are left as they are (a pool of long unique texts would cost more than it saves). */
const DEFAULT_MAX_LENGTH = 256

/**
 * One copy of each text many hosts share. Every host read from Inventory or parsed from an agent's payload brings
 * its own copy of texts like `UNSPECIFIED`, `PRE_PROVISIONING`, a firmware version or a trusted root's 64-character
 * hash: at 10 000 hosts the host cache held ~0.5 kB per host of such copies (docs/benchmarks.md, "Memory per
 * connected node"). `intern` answers the pool's copy of an equal text (the caller keeps that one and lets its own
 * go), and keeps the text when it is new. Bounded: beyond `maxTexts` distinct texts the pool forgets them all and
 * starts again (the texts already shared stay shared), so texts that are unique after all cost it nothing for long.
 */
export class TextPool {
  readonly #texts = new Map<string, string>()
  readonly #maxTexts: number
  readonly #maxLength: number

  constructor({ maxTexts = DEFAULT_MAX_TEXTS, maxLength = DEFAULT_MAX_LENGTH } = {}) {
    this.#maxTexts = maxTexts
    this.#maxLength = maxLength
  }

  /** An equal text: the pool's copy when it holds one. */
  intern(text: string): string {
    if (text.length > this.#maxLength) return text
    const known = this.#texts.get(text)
    if (known !== undefined) return known
    if (this.#texts.size >= this.#maxTexts) this.#texts.clear()
    this.#texts.set(text, text)
    return text
  }

  /** Distinct texts held now. */
  get size(): number {
    return this.#texts.size
  }

  has(text: string): boolean {
    return this.#texts.has(text)
  }
}

/** The host's texts that many hosts share (states, indicators, status texts); never its ids, names or times. */
const SHARED_HOST_TEXTS = [
  'desiredState',
  'currentState',
  'sku',
  'status',
  'statusIndicator',
  'controlMode',
  'dnsSuffix',
  'phase',
  'reportedControlMode',
  'agentKind',
  'deletion',
  'desiredPowerState',
  'currentPowerState',
  'powerStatus',
  'powerStatusIndicator',
] as const satisfies ReadonlyArray<keyof Host>

/** Texts of a capability report that belong to one host or one report: never pooled. */
const OWN_CAPABILITY_TEXTS = new Set(['ts', 'hostId', 'bootId', 'amtUuid', 'reason'])

/**
 * Replaces the host's shared texts, and every text of its capability report but those of its own (envelope, AMT
 * UUID, reason), by the pool's equal copies, in place: the values stay equal, only the copies held change. The
 * capability is walked only when it is not the one `previous` (the version the cache held) had. Frozen objects are
 * left as they are.
 */
export function internHostTexts(host: Host, pool: TextPool, previous?: Host): void {
  if (!Object.isFrozen(host)) {
    const texts = host as unknown as Record<string, unknown>
    for (const field of SHARED_HOST_TEXTS) {
      const value = texts[field]
      if (typeof value === 'string') texts[field] = pool.intern(value)
    }
  }
  if (host.capability !== null && host.capability !== previous?.capability) internWithin(host.capability, pool)
}

/** Every text of a JSON-like value, in place, except under the keys of OWN_CAPABILITY_TEXTS. */
function internWithin(value: object, pool: TextPool): void {
  if (Object.isFrozen(value)) return
  const entries = value as Record<string, unknown>
  for (const key of Object.keys(entries)) {
    if (OWN_CAPABILITY_TEXTS.has(key)) continue
    const inner = entries[key]
    if (typeof inner === 'string') entries[key] = pool.intern(inner)
    else if (typeof inner === 'object' && inner !== null) internWithin(inner, pool)
  }
}

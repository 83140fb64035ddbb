import { isValidId, ID_RULE } from './id-rule.ts'

/** Root of the v1 topic tree: amt/v1/{tenantId}/{hostId}/{leaf} */
export const TOPIC_ROOT = 'amt/v1'

/** Who publishes a leaf, whether the broker retains it, and its QoS. */
export interface LeafRule {
  from: 'agent' | 'manager'
  retained: boolean
  qos: 0 | 1
}

/**
 * Every leaf of the tree with its rule: the single source of the leaf names (`Leaf`, `LEAVES`, `AgentLeaf`,
 * `ManagerLeaf`), the ACLs, both clients and the docs. A new leaf is one entry here (in the docs' order) plus its
 * payload schema (messages/index.ts PAYLOADS); the compiler then points at every table that needs the leaf.
 */
export const LEAF_RULES = {
  presence: { from: 'agent', retained: true, qos: 1 },
  capability: { from: 'agent', retained: true, qos: 1 },
  state: { from: 'agent', retained: true, qos: 1 },
  events: { from: 'agent', retained: false, qos: 0 },
  desired: { from: 'manager', retained: true, qos: 1 },
  'secret/req': { from: 'agent', retained: false, qos: 1 },
  'secret/res': { from: 'manager', retained: false, qos: 1 },
  status: { from: 'manager', retained: true, qos: 1 },
} as const satisfies Record<string, LeafRule>

export type Leaf = keyof typeof LEAF_RULES
/** The leaves one side publishes. */
type LeafFrom<P extends LeafRule['from']> = { [L in Leaf]: (typeof LEAF_RULES)[L]['from'] extends P ? L : never }[Leaf]
/** The leaves agents publish: what the manager receives as reports. */
export type AgentLeaf = LeafFrom<'agent'>
/** The leaves the manager publishes. */
export type ManagerLeaf = LeafFrom<'manager'>

/** Every leaf, in LEAF_RULES order. */
export const LEAVES = Object.keys(LEAF_RULES) as readonly Leaf[]

export function isAgentLeaf(leaf: Leaf): leaf is AgentLeaf {
  return LEAF_RULES[leaf].from === 'agent'
}

export const AGENT_LEAVES: readonly AgentLeaf[] = LEAVES.filter(isAgentLeaf)
export const MANAGER_LEAVES: readonly ManagerLeaf[] = LEAVES.filter((leaf): leaf is ManagerLeaf => !isAgentLeaf(leaf))

export interface TopicAddress {
  tenantId: string
  hostId: string
  leaf: Leaf
}

export type TopicParse =
  { ok: true; address: TopicAddress } | { ok: false; reason: 'bad-topic' | 'unknown-leaf'; detail: string }

export function isLeaf(value: string): value is Leaf {
  return Object.hasOwn(LEAF_RULES, value)
}

/** Builds a concrete topic. Throws on invalid ids: that is a programming error, not input. */
export function buildTopic({ tenantId, hostId, leaf }: TopicAddress): string {
  if (!isValidId(tenantId)) throw new TypeError(`tenantId ${JSON.stringify(tenantId)} is not ${ID_RULE}`)
  if (!isValidId(hostId)) throw new TypeError(`hostId ${JSON.stringify(hostId)} is not ${ID_RULE}`)
  return `${TOPIC_ROOT}/${tenantId}/${hostId}/${leaf}`
}

/** Parses a concrete (wildcard-free) topic of the v1 tree. Never throws. */
export function parseTopic(topic: string): TopicParse {
  return parseTopicLevels(topic.split('/'))
}

/** parseTopic on a topic already split at `/` (the broker's ACL splits each topic once). Never throws. */
export function parseTopicLevels(parts: readonly string[]): TopicParse {
  if (parts[0] !== 'amt' || parts[1] !== 'v1')
    return { ok: false, reason: 'bad-topic', detail: `topic is outside ${TOPIC_ROOT}/` }
  const tenantId = parts[2] ?? ''
  const hostId = parts[3] ?? ''
  if (!isValidId(tenantId)) return { ok: false, reason: 'bad-topic', detail: `tenant segment is not ${ID_RULE}` }
  if (!isValidId(hostId)) return { ok: false, reason: 'bad-topic', detail: `host segment is not ${ID_RULE}` }
  // Every leaf but `secret/req` and `secret/res` is one level: no join (a new string) for those.
  const leaf = parts.length === 5 ? (parts[4] ?? '') : parts.slice(4).join('/')
  if (!isLeaf(leaf))
    return { ok: false, reason: 'unknown-leaf', detail: `unknown leaf ${JSON.stringify(leaf.slice(0, 64))}` }
  return { ok: true, address: { tenantId, hostId, leaf } }
}

/** One segment of a subscription filter: a concrete value, `+` (one level) or `#` (the rest). */
export type FilterSegment = { kind: 'exact'; value: string } | { kind: 'single' } | { kind: 'multi' }

/**
 * Parses a subscription filter of the v1 tree into its tenant, host and leaf parts, so ACLs can reason about
 * scope without string tricks. Returns null for filters outside amt/v1/ or malformed ones; a filter wider than
 * the tree (`#`, `+/#`) covers all of it. Note that `$SYS/...` never matches (its first level is not `amt`).
 */
export interface ParsedFilter {
  tenant: FilterSegment
  host: FilterSegment
  /** Leaves this filter can match. */
  leaves: Leaf[]
}

export function parseTopicFilter(filter: string): ParsedFilter | null {
  const parts = filter.split('/')
  if (
    parts.some((p, i) => (p.includes('#') && (p !== '#' || i !== parts.length - 1)) || (p.includes('+') && p !== '+'))
  )
    return null
  // `#` alone (or `amt/#`, `+/#`) covers the whole v1 tree: every tenant, host and leaf.
  if (parts[0] === '#' || parts[1] === '#') {
    return matchSegment(parts[0], 'amt')
      ? { tenant: { kind: 'multi' }, host: { kind: 'multi' }, leaves: [...LEAVES] }
      : null
  }
  if (!matchSegment(parts[0], 'amt') || !matchSegment(parts[1], 'v1')) return null
  const tenant = segment(parts[2])
  if (tenant === null) return null
  if (tenant.kind === 'multi') return { tenant, host: { kind: 'multi' }, leaves: [...LEAVES] }
  const host = segment(parts[3])
  if (host === null) return null
  if (host.kind === 'multi') return { tenant, host, leaves: [...LEAVES] }
  const leafParts = parts.slice(4)
  const leaves = LEAVES.filter((leaf) => leafMatches(leafParts, leaf.split('/')))
  return { tenant, host, leaves }
}

function matchSegment(part: string | undefined, value: string): boolean {
  return part === value || part === '+' || part === '#'
}

function segment(part: string | undefined): FilterSegment | null {
  if (part === undefined) return null
  if (part === '+') return { kind: 'single' }
  if (part === '#') return { kind: 'multi' }
  return isValidId(part) ? { kind: 'exact', value: part } : null
}

function leafMatches(filterParts: string[], leafParts: string[]): boolean {
  for (let i = 0; i < filterParts.length; i++) {
    const f = filterParts[i]
    if (f === '#') return true
    if (i >= leafParts.length) return false
    if (f !== '+' && f !== leafParts[i]) return false
  }
  return filterParts.length === leafParts.length
}

/** Filter matching one leaf of every host of every tenant (manager subscriptions). */
export function allHostsFilter(leaf: Leaf): string {
  return `${TOPIC_ROOT}/+/+/${leaf}`
}

/** Filter matching one leaf of every host of one tenant. */
export function tenantFilter(tenantId: string, leaf: Leaf): string {
  if (!isValidId(tenantId)) throw new TypeError(`tenantId ${JSON.stringify(tenantId)} is not ${ID_RULE}`)
  return `${TOPIC_ROOT}/${tenantId}/+/${leaf}`
}

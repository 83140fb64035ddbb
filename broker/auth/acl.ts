import {
  LEAF_RULES,
  LEAVES,
  TOPIC_ROOT,
  parseTopicFilter,
  parseTopicLevels,
  type FilterSegment,
  type Leaf,
  type TopicAddress,
} from '../../schemas/topics.ts'
import { isProbeSubtree, parseProbeTopic } from '../../schemas/probe.ts'
import {
  isRolloutSubtreeLevels,
  parseRolloutProgressTopic,
  rolloutFilterScope,
  type RolloutFilterScope,
} from '../../schemas/rollout-progress.ts'
import type { Principal } from './principal.ts'

/**
 * Deny-by-default access rules, decided only with the schemas' topic parsers. Pure functions: the aedes
 * hooks (authorize.ts) turn decisions into MQTT behaviour, logs and counters.
 *
 *   role        publishes                                  reads (subscribe + forward)
 *   device      agent leaves of its own tenant/host        desired, secret/res of its own tenant/host
 *   manager     every leaf of every tenant/host            every leaf of every tenant/host
 *   integrator  nothing                                    status, capability, presence, events of its
 *                                                          tenant (tenant-scoped) or of all tenants (global)
 * Nothing outside amt/v1/ is allowed to anyone; `$` topics ($SYS) never.
 * The manager's delivery probe `amt/v1/_probe/{instance}/{leaf}` (schemas/probe.ts) may be published and read by
 * the manager only; it matches the manager's `amt/v1/+/+/<leaf>` filters, and no one else may read it through them.
 */
type DenyReason =
  | 'reserved-topic'
  | 'outside-tree'
  | 'bad-topic'
  | 'unknown-leaf'
  | 'too-many-levels'
  | 'leaf-not-allowed'
  | 'out-of-scope'
  | 'no-readable-leaf'
  /** Only for brokers without a check at delivery (maySubscribeUnfiltered): the filter can match an unreadable leaf. */
  | 'unreadable-leaf'
  /** The manager's delivery probe topic (amt/v1/_probe/...), published or read by another role, or malformed. */
  | 'manager-only'
  /** The connection has no authenticated principal (or was already closed by the broker). */
  | 'no-session'
  /** Not an ACL decision: a device connection over its publish rate limit (authorize.ts). */
  | 'rate-limited'

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason }

const ALLOW: Decision = { allowed: true }
const deny = (reason: DenyReason): Decision => ({ allowed: false, reason })

const AGENT_LEAVES: readonly Leaf[] = LEAVES.filter((leaf) => LEAF_RULES[leaf].from === 'agent')
const DEVICE_READS: readonly Leaf[] = ['desired', 'secret/res']
const INTEGRATOR_READS: readonly Leaf[] = ['status', 'capability', 'presence', 'events']

export function writableLeaves(principal: Principal): readonly Leaf[] {
  if (principal.role === 'manager') return LEAVES
  return principal.role === 'device' ? AGENT_LEAVES : []
}

export function readableLeaves(principal: Principal): readonly Leaf[] {
  if (principal.role === 'manager') return LEAVES
  return principal.role === 'device' ? DEVICE_READS : INTEGRATOR_READS
}

/** The tenant a principal is confined to; undefined = every tenant. */
function scopeTenant(principal: Principal): string | undefined {
  return principal.role === 'manager' ? undefined : principal.tenantId
}

/** The host a principal is confined to; undefined = every host of its tenant scope. */
function scopeHost(principal: Principal): string | undefined {
  return principal.role === 'device' ? principal.hostId : undefined
}

function addressInScope(principal: Principal, { tenantId, hostId }: TopicAddress): boolean {
  const tenant = scopeTenant(principal)
  const host = scopeHost(principal)
  return (tenant === undefined || tenant === tenantId) && (host === undefined || host === hostId)
}

/** A filter segment lies within a scope value when the scope is open or the segment is exactly that value. */
function segmentInScope(segment: FilterSegment, scope: string | undefined): boolean {
  return scope === undefined || (segment.kind === 'exact' && segment.value === scope)
}

function topicLevels(topic: string): number {
  return topic.split('/').length
}

/** The probe subtree: the manager may publish and read a well-formed probe topic; anything else there is denied. */
function probeDecision(principal: Principal, topic: string): Decision {
  return principal.role === 'manager' && parseProbeTopic(topic) !== null ? ALLOW : deny('manager-only')
}

/** Whether a principal may read the rollout progress of the tenants a filter (or a topic) reaches. */
function readsRollouts(principal: Principal, scope: RolloutFilterScope): boolean {
  if (principal.role === 'manager') return true
  if (principal.role !== 'integrator') return false
  const tenant = scopeTenant(principal)
  return tenant === undefined || (scope.tenant !== 'any' && scope.tenant === tenant)
}

/** The rollout subtree: a well-formed progress topic, published by the manager, read as readsRollouts says. */
function rolloutDecision(principal: Principal, topic: string, action: 'publish' | 'read'): Decision {
  const address = parseRolloutProgressTopic(topic)
  if (address === null) return deny('bad-topic')
  if (action === 'publish') return principal.role === 'manager' ? ALLOW : deny('leaf-not-allowed')
  if (readsRollouts(principal, { tenant: address.tenantId })) return ALLOW
  return deny(principal.role === 'integrator' ? 'out-of-scope' : 'leaf-not-allowed')
}

/**
 * The decision on a concrete topic, published or read. The topic is split once and every check reads those levels
 * (this runs on every PUBLISH and every delivery, docs/benchmarks.md "Broker").
 */
function concreteDecision(
  principal: Principal,
  topic: string,
  maxTopicLevels: number,
  action: 'publish' | 'read',
): Decision {
  if (topic.startsWith('$')) return deny('reserved-topic')
  const levels = topic.split('/')
  if (levels.length > maxTopicLevels) return deny('too-many-levels')
  if (isProbeSubtree(topic)) return probeDecision(principal, topic)
  if (isRolloutSubtreeLevels(levels)) return rolloutDecision(principal, topic, action)
  const parsed = parseTopicLevels(levels)
  if (!parsed.ok) return deny(topic.startsWith(`${TOPIC_ROOT}/`) ? parsed.reason : 'outside-tree')
  const allowed = action === 'publish' ? writableLeaves(principal) : readableLeaves(principal)
  if (!allowed.includes(parsed.address.leaf)) return deny('leaf-not-allowed')
  return addressInScope(principal, parsed.address) ? ALLOW : deny('out-of-scope')
}

export function mayPublish(principal: Principal, topic: string, maxTopicLevels: number): Decision {
  return concreteDecision(principal, topic, maxTopicLevels, 'publish')
}

/** Whether a message on a concrete topic may be delivered to the principal (authorizeForward). */
export function mayRead(principal: Principal, topic: string, maxTopicLevels: number): Decision {
  return concreteDecision(principal, topic, maxTopicLevels, 'read')
}

/**
 * A filter is granted when it lies within the principal's scope (its tenant and host segments are no wider
 * than the principal's) and can match at least one leaf the principal may read, or when it can match the rollout
 * progress of tenants the principal may read. Forwarding still checks each message, so a granted wide filter
 * (`amt/v1/#` for an integrator) never delivers an unreadable leaf nor another tenant's rollout.
 */
export function maySubscribe(principal: Principal, filter: string, maxTopicLevels: number): Decision {
  if (filter.startsWith('$')) return deny('reserved-topic')
  if (topicLevels(filter) > maxTopicLevels) return deny('too-many-levels')
  const inTree = filter.startsWith(`${TOPIC_ROOT}/`)
  const rollouts = inTree ? rolloutFilterScope(filter) : null
  if (rollouts !== null && readsRollouts(principal, rollouts)) return ALLOW
  const parsed = inTree ? parseTopicFilter(filter) : null
  if (parsed === null) return deny(inTree ? 'bad-topic' : 'outside-tree')
  if (!segmentInScope(parsed.tenant, scopeTenant(principal)) || !segmentInScope(parsed.host, scopeHost(principal)))
    return deny('out-of-scope')
  const readable = readableLeaves(principal)
  return parsed.leaves.some((leaf) => readable.includes(leaf)) ? ALLOW : deny('no-readable-leaf')
}

/** MQTT 5 shared subscription (spec 4.8.2): `$share/<ShareName>/<filter>`, the name without `/`, `+`, `#`. */
const SHARED_SUBSCRIPTION = /^\$share\/([^/+#]+)\/(.+)$/

/**
 * maySubscribe for a broker that judges only the SUBSCRIBE and never a delivery (EMQX and VerneMQ through their HTTP
 * hooks, docs/external-brokers.md): there, a granted filter delivers every message it matches, retained ones included.
 * So a filter is granted only when EVERY leaf it can match is readable: `amt/v1/acme/+/status` for an integrator,
 * never `amt/v1/acme/#` (it would deliver `desired` and `secret/res`).
 * Such brokers have shared subscriptions, which the manager's replicas use (broker.external.sharedGroup): a
 * `$share/<group>/<filter>` is judged by its filter (the group changes which member gets a message, not which
 * messages), and the replicas' own probe subscription (an exact probe topic, schemas/probe.ts) is the manager's.
 * A filter that can match rollout progress is granted only to a principal reading the progress of every tenant it
 * reaches: an integrator of acme gets `amt/v1/acme/_rollouts/+/progress`, never `amt/v1/+/_rollouts/+/progress`.
 */
export function maySubscribeUnfiltered(principal: Principal, filter: string, maxTopicLevels: number): Decision {
  const inner = SHARED_SUBSCRIPTION.exec(filter)?.[2] ?? filter
  if (isProbeSubtree(inner) && topicLevels(inner) <= maxTopicLevels) return probeDecision(principal, inner)
  const decision = maySubscribe(principal, inner, maxTopicLevels)
  if (!decision.allowed) return decision
  const rollouts = rolloutFilterScope(inner)
  if (rollouts !== null && !readsRollouts(principal, rollouts)) return deny('unreadable-leaf')
  const parsed = parseTopicFilter(inner)
  if (parsed === null) return decision
  const readable = readableLeaves(principal)
  return parsed.leaves.every((leaf) => readable.includes(leaf)) ? ALLOW : deny('unreadable-leaf')
}

import { LEAVES, buildTopic, parseTopicFilter, type Leaf, type TopicAddress } from '../../../schemas/topics.ts'

/**
 * The ACL written out as the specification states it (ARCHITECTURE.md, issue 2), independent of broker/auth.
 * Actors: a device bound to t1/h1, the manager, an integrator of tenant t1, a global integrator.
 * Targets, relative to that device: its own host, another host of its tenant, a host of another tenant.
 */
export const ACTORS = ['device', 'manager', 'tenantIntegrator', 'globalIntegrator'] as const
export type Actor = (typeof ACTORS)[number]

const RELATIONS = ['own', 'sibling', 'foreign'] as const
export type Relation = (typeof RELATIONS)[number]

export const TARGETS: Record<Relation, { tenantId: string; hostId: string }> = {
  own: { tenantId: 't1', hostId: 'h1' },
  sibling: { tenantId: 't1', hostId: 'h2' },
  foreign: { tenantId: 't2', hostId: 'h3' },
}

/** P = may publish, R = may read (subscribe + delivery), within the actor's reach below. */
const RIGHTS: Record<Leaf, Record<'device' | 'integrator' | 'manager', '' | 'P' | 'R' | 'PR'>> = {
  presence: { device: 'P', integrator: 'R', manager: 'PR' },
  capability: { device: 'P', integrator: 'R', manager: 'PR' },
  state: { device: 'P', integrator: '', manager: 'PR' },
  events: { device: 'P', integrator: 'R', manager: 'PR' },
  'secret/req': { device: 'P', integrator: '', manager: 'PR' },
  desired: { device: 'R', integrator: '', manager: 'PR' },
  'secret/res': { device: 'R', integrator: '', manager: 'PR' },
  status: { device: '', integrator: 'R', manager: 'PR' },
}

const REACH: Record<Actor, readonly Relation[]> = {
  device: ['own'],
  manager: RELATIONS,
  tenantIntegrator: ['own', 'sibling'],
  globalIntegrator: RELATIONS,
}

function rights(actor: Actor, relation: Relation, leaf: Leaf): string {
  if (!REACH[actor].includes(relation)) return ''
  return RIGHTS[leaf][actor === 'tenantIntegrator' || actor === 'globalIntegrator' ? 'integrator' : actor]
}

export const mayPublish = (actor: Actor, relation: Relation, leaf: Leaf): boolean =>
  rights(actor, relation, leaf).includes('P')
export const mayRead = (actor: Actor, relation: Relation, leaf: Leaf): boolean =>
  rights(actor, relation, leaf).includes('R')

export interface Cell {
  relation: Relation
  leaf: Leaf
  address: TopicAddress
  topic: string
}

/** Every leaf of every target: 3 × 8 concrete topics. */
export const CELLS: readonly Cell[] = RELATIONS.flatMap((relation) =>
  LEAVES.map((leaf) => {
    const address = { ...TARGETS[relation], leaf }
    return { relation, leaf, address, topic: buildTopic(address) }
  }),
)

/** Topics nobody may publish to: reserved, outside the tree, unknown leaf, too deep for the tree. */
export const FORBIDDEN_TOPICS = [
  '$SYS/broker/injected',
  'other/topic',
  'amt/v2/t1/h1/state',
  'amt/v1/t1/h1/unknown',
  'amt/v1/t1/h1/state/extra',
]

/** Wildcard subscriptions and who is granted them (SUBACK 0x80 otherwise). */
export const WILDCARDS: ReadonlyArray<readonly [string, Record<Actor, boolean>]> = [
  ['amt/v1/#', { device: false, manager: true, tenantIntegrator: false, globalIntegrator: true }],
  ['amt/v1/+/+/desired', { device: false, manager: true, tenantIntegrator: false, globalIntegrator: false }],
  ['amt/v1/t1/+/status', { device: false, manager: true, tenantIntegrator: true, globalIntegrator: true }],
  ['amt/v1/t1/h1/#', { device: true, manager: true, tenantIntegrator: true, globalIntegrator: true }],
  ['amt/v1/t1/h1/secret/+', { device: true, manager: true, tenantIntegrator: false, globalIntegrator: false }],
  ['amt/v1/t2/+/events', { device: false, manager: true, tenantIntegrator: false, globalIntegrator: true }],
  ['amt/v1/+/h1/state', { device: false, manager: true, tenantIntegrator: false, globalIntegrator: false }],
  ['amt/v1/t1/h1/+', { device: true, manager: true, tenantIntegrator: true, globalIntegrator: true }],
  ['#', { device: false, manager: false, tenantIntegrator: false, globalIntegrator: false }],
  ['+/+/+/+/+', { device: false, manager: false, tenantIntegrator: false, globalIntegrator: false }],
  ['$SYS/#', { device: false, manager: false, tenantIntegrator: false, globalIntegrator: false }],
  ['other/#', { device: false, manager: false, tenantIntegrator: false, globalIntegrator: false }],
]

/** Whether a subscription filter of the v1 tree matches a concrete address (via the schemas' parser). */
export function filterMatches(filter: string, { tenantId, hostId, leaf }: TopicAddress): boolean {
  const parsed = parseTopicFilter(filter)
  if (parsed === null) return false
  const segment = (s: typeof parsed.tenant, value: string): boolean => s.kind !== 'exact' || s.value === value
  return segment(parsed.tenant, tenantId) && segment(parsed.host, hostId) && parsed.leaves.includes(leaf)
}

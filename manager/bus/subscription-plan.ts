import { buildProbeTopic, PROBE_LEAVES } from '../../schemas/probe.ts'
import { AGENT_LEAVES, allHostsFilter, LEAF_RULES } from '../../schemas/topics.ts'

/** One subscription of the manager's connection: the filter and its MQTT options. */
export interface PlannedSubscription {
  filter: string
  qos: 1
  /** MQTT 5 retain handling: 2 = send no retained messages on subscribe. */
  rh?: 2
}

/**
 * What the manager's connection subscribes to after every connect (docs/replicas.md):
 * - `live`: the agent leaves of every host. One manager: `amt/v1/+/+/<leaf>`. Replicas (`sharedGroup`): the MQTT
 *   shared subscription `$share/<group>/amt/v1/+/+/<leaf>`, so the broker hands each message to ONE member of the
 *   group; retain handling 2, because brokers differ on retained messages for shared subscriptions (the MQTT 5
 *   spec sends none, Mosquitto 2.0 sends them to every member) and the catch-up below sends them once everywhere;
 * - `catchUp` (replicas only): the retained agent leaves as plain filters, subscribed and at once unsubscribed, so
 *   the broker replays the retained presence, capability and state of every host to this replica (what changed
 *   while it was away) without this replica staying on the live stream of every message. A message published in
 *   the moment between the two reaches every replica: a duplicate, which the ingest drops (seq, version check);
 * - `probe` (replicas only): this instance's delivery probe through a share group of its own
 *   (`$share/<group>-probe-<instance>/amt/v1/_probe/<instance>/<leaf>`): the group's shared subscription hands a
 *   probe to any member, this one always comes back, and it proves the broker delivers shared subscriptions.
 */
export interface SubscriptionPlan {
  live: readonly PlannedSubscription[]
  catchUp: readonly string[]
  probe: readonly PlannedSubscription[]
}

/** The plain filters of one manager (the dynsec role and the broker ACL grant these). */
export const MANAGER_SUBSCRIPTIONS: readonly string[] = AGENT_LEAVES.map((leaf) => allHostsFilter(leaf))

export function subscriptionPlan(options: {
  sharedGroup?: string | undefined
  probeInstance: string
}): SubscriptionPlan {
  const { sharedGroup, probeInstance } = options
  if (sharedGroup === undefined)
    return { live: MANAGER_SUBSCRIPTIONS.map((filter) => ({ filter, qos: 1 })), catchUp: [], probe: [] }
  const share = (group: string, filter: string): PlannedSubscription => ({
    filter: `$share/${group}/${filter}`,
    qos: 1,
    rh: 2,
  })
  const probeGroup = `${sharedGroup}-probe-${probeInstance}`
  return {
    live: MANAGER_SUBSCRIPTIONS.map((filter) => share(sharedGroup, filter)),
    catchUp: AGENT_LEAVES.filter((leaf) => LEAF_RULES[leaf].retained).map((leaf) => allHostsFilter(leaf)),
    probe: PROBE_LEAVES.map((leaf) => share(probeGroup, buildProbeTopic({ instanceId: probeInstance, leaf }))),
  }
}

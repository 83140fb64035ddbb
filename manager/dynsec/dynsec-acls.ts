import { readableLeaves, writableLeaves } from '../../broker/auth/acl.ts'
import { principalOf } from '../../broker/auth/principal.ts'
import { ALL_ROLLOUTS_FILTER } from '../../schemas/rollout-progress.ts'
import { agentClientId, deviceUsername, type HostIdentity } from '../../schemas/principals.ts'
import { allHostsFilter, buildTopic } from '../../schemas/topics.ts'
import { MANAGER_SUBSCRIPTIONS } from '../bus/subscription-plan.ts'

/**
 * The rules of broker/auth/acl.ts expressed as Mosquitto dynamic-security roles, built only from the schemas'
 * topic builders (the embedded broker and Mosquitto then enforce the same contract):
 *
 *   role                            publishClientSend                   subscribeLiteral + publishClientReceive
 *   amt-device:<tenant>:<host>      its own agent leaves (presence,     its own desired, secret/res
 *                                   capability, state, events, secret/req)
 *   amt-manager                     every leaf of every host (desired,  every agent leaf of every host (its
 *                                   status, secret/res; empty retained  subscriptions, as patterns)
 *                                   messages clear agent leaves of a
 *                                   deleted host); every rollout's progress
 *                                   (amt/v1/+/_rollouts/+/progress)
 * No device role reaches `_rollouts` (its topics are its own host's); integrators on Mosquitto are the operator's own
 * roles (docs/external-brokers.md: `amt/v1/<tenant>/_rollouts/+/progress` to read a tenant's rollouts).
 * The dynsec admin role (mosquitto_ctrl dynsec init) gives the manager's principal the $CONTROL API on top.
 */
export type DynsecAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern'

export interface DynsecAcl {
  acltype: DynsecAclType
  topic: string
  allow: boolean
}

export const MANAGER_ROLE = 'amt-manager'

const deviceRoleName = ({ tenantId, hostId }: HostIdentity): string => `amt-device:${tenantId}:${hostId}`

export function deviceAcls(key: HostIdentity): DynsecAcl[] {
  const principal = principalOf(deviceUsername(key), { role: 'device', tenantId: key.tenantId, hostId: key.hostId })
  const sends = writableLeaves(principal).map((leaf) => allow('publishClientSend', buildTopic({ ...key, leaf })))
  const reads = readableLeaves(principal).flatMap((leaf) => {
    const topic = buildTopic({ ...key, leaf })
    return [allow('subscribeLiteral', topic), allow('publishClientReceive', topic)]
  })
  return [...sends, ...reads]
}

export function managerAcls(): DynsecAcl[] {
  const sends = writableLeaves(principalOf(MANAGER_ROLE, { role: 'manager' }))
    .map((leaf) => allow('publishClientSend', allHostsFilter(leaf)))
    .concat(allow('publishClientSend', ALL_ROLLOUTS_FILTER))
  const reads = MANAGER_SUBSCRIPTIONS.flatMap((filter) => [
    allow('subscribePattern', filter),
    allow('publishClientReceive', filter),
  ])
  return [...sends, ...reads]
}

/** The device's dynsec client: its username, the client id it must connect with, and its one role. */
export function deviceClient(key: HostIdentity): { username: string; clientid: string; rolename: string } {
  return { username: deviceUsername(key), clientid: agentClientId(key), rolename: deviceRoleName(key) }
}

const allow = (acltype: DynsecAclType, topic: string): DynsecAcl => ({ acltype, topic, allow: true })

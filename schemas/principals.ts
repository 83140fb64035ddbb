import { isValidId } from './id-rule.ts'
import type { TopicAddress } from './topics.ts'

/** A host's identity on the bus: tenant and host together (the same hostId may exist in two tenants). */
export type HostIdentity = Pick<TopicAddress, 'tenantId' | 'hostId'>

/**
 * The broker username of a device: `<hostId>@<tenantId>`. `@` cannot occur in ids, so it is unique across tenants.
 * The manager issues the credential under this name and the agent uses it unless its config says otherwise.
 */
export function deviceUsername({ tenantId, hostId }: HostIdentity): string {
  return `${hostId}@${tenantId}`
}

/** The host a device username names (the inverse of deviceUsername); null for any other name. */
export function parseDeviceUsername(username: string): HostIdentity | null {
  const at = username.indexOf('@')
  const hostId = username.slice(0, at)
  const tenantId = username.slice(at + 1)
  return at > 0 && isValidId(hostId) && isValidId(tenantId) ? { tenantId, hostId } : null
}

/**
 * The MQTT client id of a host's agent: `amt-agent:<tenantId>:<hostId>` (`:` cannot occur in ids). Binding it to
 * the (tenant, host) pair keeps two agents with the same hostId in different tenants from taking over each other's
 * session. `purpose` names a second, short-lived connection of the same host (e.g. `amt-agent status`).
 */
export function agentClientId({ tenantId, hostId }: HostIdentity, purpose?: string): string {
  const base = `${AGENT_CLIENT_ID_PREFIX}${tenantId}:${hostId}`
  return purpose === undefined ? base : `${base}:${purpose}`
}

/** What every agent client id starts with; reserved for devices (no other principal may use it). */
export const AGENT_CLIENT_ID_PREFIX = 'amt-agent:'

/** Whether `clientId` is this host's agent client id: exactly `agentClientId(identity)`, or it plus `:<purpose>`. */
export function isAgentClientIdOf(identity: HostIdentity, clientId: string): boolean {
  const base = agentClientId(identity)
  return clientId === base || (clientId.startsWith(`${base}:`) && clientId.length > base.length + 1)
}

import { AGENT_CLIENT_ID_PREFIX, agentClientId, isAgentClientIdOf } from '../../schemas/principals.ts'
import type { Principal } from './principal.ts'

/**
 * Which client ids a principal may connect with (broker/README.md, "Client ids"). A client id names a session and
 * a takeover target, so it is derived from the principal instead of chosen freely: nobody can pick an id that
 * another principal needs, whether to take its session over or to keep it refused.
 * - device: its agent's id `amt-agent:<tenantId>:<hostId>` (schemas/principals.ts), or that plus `:<suffix>`
 *   (the agent's side connections, e.g. `:status-<hex>`);
 * - manager, integrator: its username, or `<username>:<suffix>`, or an id the broker assigns (an empty client id
 *   with a clean session); never an id under `amt-agent:`, which belongs to devices.
 */
export type ClientIdRequest = { clientId: string; serverAssigned: boolean }

export const CLIENT_ID_NOT_ALLOWED = 'client-id-not-allowed'

/** True when the principal may use this client id. */
export function clientIdAllowed(principal: Principal, { clientId, serverAssigned }: ClientIdRequest): boolean {
  if (principal.role === 'device') {
    const { tenantId, hostId } = principal
    return (
      tenantId !== undefined &&
      hostId !== undefined &&
      !serverAssigned &&
      isAgentClientIdOf({ tenantId, hostId }, clientId)
    )
  }
  if (serverAssigned) return true
  if (clientId.startsWith(AGENT_CLIENT_ID_PREFIX)) return false
  return clientId === principal.id || clientId.startsWith(`${principal.id}:`)
}

/**
 * Who owns the client ids a principal may use: the device (tenant + host) for devices, so a certificate and a
 * password login of the same host are one owner; the principal itself otherwise.
 */
export function clientIdOwner(principal: Principal): string {
  const { role, tenantId, hostId } = principal
  if (role === 'device' && tenantId !== undefined && hostId !== undefined) return agentClientId({ tenantId, hostId })
  return `${role} ${principal.id}`
}

import type { Client, PublishPacket } from 'aedes'
import { isValidId } from '../../schemas/ids.ts'
import { AGENT_CLIENT_ID_PREFIX } from '../../schemas/principals.ts'
import type { Principal } from './principal.ts'

/**
 * The principal a dead cluster instance's stored last will is judged as. aedes publishes the wills of an instance
 * that stopped beating from a live one with no client (`client` null: the connection was on the dead instance), and
 * the stored will carries the client id it was set with. Only a device's agent client id maps to a principal:
 * `amt-agent:<tenantId>:<hostId>[:<purpose>]` is reserved for the device (tenantId, hostId) and accepted only from
 * it (client-id-policy.ts), so the will is judged as that device's publish, by the same ACL. Any other will with no
 * client has no principal (refused, as before).
 */
export function orphanWillPrincipal(client: Client | null, packet: PublishPacket): Principal | undefined {
  if (client !== null) return undefined
  const clientId = (packet as PublishPacket & { clientId?: unknown }).clientId
  if (typeof clientId !== 'string' || !clientId.startsWith(AGENT_CLIENT_ID_PREFIX)) return undefined
  const [tenantId = '', hostId = ''] = clientId.slice(AGENT_CLIENT_ID_PREFIX.length).split(':')
  if (!isValidId(tenantId) || !isValidId(hostId)) return undefined
  return { id: `will:${clientId}`, role: 'device', tenantId, hostId }
}

import { readFileSync } from 'node:fs'
import { ID_RULE, isValidId } from '../schemas/id-rule.ts'
import { isPlaceholderId, placeholderIdReason } from '../schemas/placeholder-ids.ts'
import type { AgentConfig } from './config.ts'

/** Who this agent is on the bus: the topic prefix amt/v1/{tenantId}/{hostId}/. */
export interface AgentIdentity {
  readonly tenantId: string
  readonly hostId: string
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IdentityError'
  }
}

/**
 * hostId from the config, else the SMBIOS system UUID (product_uuid, readable by root only). The UUID is kept
 * as the firmware reports it apart from surrounding whitespace, so it matches what an operator reads on the node.
 * A firmware placeholder UUID (schemas/placeholder-ids.ts), read or configured, is refused: many nodes share it.
 */
export function resolveIdentity(
  config: Pick<AgentConfig, 'tenantId' | 'hostId' | 'identity'>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): AgentIdentity {
  if (config.hostId !== undefined) {
    if (isPlaceholderId(config.hostId))
      throw new IdentityError(`hostId in the config: ${placeholderIdReason(config.hostId)}`)
    return Object.freeze({ tenantId: config.tenantId, hostId: config.hostId })
  }
  const path = config.identity.productUuidPath
  let raw: string
  try {
    raw = readFile(path)
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unreadable'
    throw new IdentityError(`hostId is not configured and ${path} cannot be read (${code}); set hostId in the config`)
  }
  const hostId = raw.trim()
  if (!isValidId(hostId))
    throw new IdentityError(`${path} does not hold a usable hostId (must be ${ID_RULE}); set hostId in the config`)
  if (isPlaceholderId(hostId)) throw new IdentityError(`${path}: ${placeholderIdReason(hostId)} in the config`)
  return Object.freeze({ tenantId: config.tenantId, hostId })
}

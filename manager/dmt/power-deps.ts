import type { Logger } from '../../lib/log.ts'
import { NotFoundError } from '../inventory/errors.ts'
import type { Host, HostKey, HostPatch, Inventory } from '../inventory/port.ts'
import { DmtError } from './errors.ts'
import type { MpsPort } from './ports.ts'

/** What the power functions (power.ts, power-state.ts, power-sweep.ts) work with. */
export interface PowerDeps {
  inventory: Pick<Inventory, 'updateHost' | 'appendAudit'>
  /** The manager core's cached reads; refreshHost after each direct Inventory write (republishes status). */
  core: { getHost(key: HostKey): Promise<Host | null>; refreshHost(key: HostKey): Promise<Host | null> }
  mps: MpsPort
  log: Logger
  /** Milliseconds since the epoch (the time a power state is read). */
  now(): number
}

/** The host, if its AMT is PROVISIONED (MPS reaches only such hosts, over CIRA). */
export async function provisionedHost(deps: PowerDeps, key: HostKey): Promise<Host> {
  const host = await deps.core.getHost(key)
  if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
  if (host.currentState !== 'PROVISIONED') {
    throw new DmtError('HOST_NOT_PROVISIONED', `host ${key.tenantId}/${key.hostId} is ${host.currentState}: power actions need AMT PROVISIONED`)
  }
  return host
}

export async function writePower(deps: PowerDeps, { tenantId, hostId }: HostKey, patch: HostPatch): Promise<Host> {
  const key = { tenantId, hostId }
  const written = await deps.inventory.updateHost(key, patch)
  return (await deps.core.refreshHost(key)) ?? written
}

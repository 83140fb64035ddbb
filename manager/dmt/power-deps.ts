import type { Logger } from '../../lib/log.ts'
import { NotFoundError } from '../inventory/errors.ts'
import type { AppendAuditInput, Host, HostKey, HostPatch } from '../inventory/port.ts'
import type { HostWriter } from '../ports/host-writer.ts'
import { DmtError } from './errors.ts'
import type { MpsPort } from './ports.ts'

/** What the power functions (power.ts, power-state.ts, power-sweep.ts) work with. */
export interface PowerDeps {
  /** The manager core's host reads and its one write path (commit → audit → status published). */
  core: Pick<HostWriter, 'getHost' | 'updateHost'>
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
    throw new DmtError(
      'HOST_NOT_PROVISIONED',
      `host ${key.tenantId}/${key.hostId} is ${host.currentState}: power actions need AMT PROVISIONED`,
    )
  }
  return host
}

/** Writes power fields of the host through the core's write path, with the write's audit events (if any). */
export function writePower(
  deps: PowerDeps,
  { tenantId, hostId }: HostKey,
  patch: HostPatch,
  audit: readonly AppendAuditInput[] = [],
): Promise<Host> {
  return deps.core.updateHost({ tenantId, hostId }, patch, { audit })
}

import type { ExecutionContext } from 'ava'
import type { Logger } from '../../../lib/log.ts'
import { noPreparation, type ProvisioningPreparer } from '../../../manager/ports/provisioning.ts'
import type { Host, HostKey, PasswordPolicy } from '../../../manager/inventory/port.ts'
import { startTestCore, type TestCore } from '../../helpers/manager-core.ts'
import { hostUuid, startDmt, TENANT_PASSWORD, type DmtRig } from './dmt-harness.ts'

export interface ProvisioningSetup extends TestCore, DmtRig {
  hosts: Host[]
  keys: HostKey[]
  /** Asks for PROVISIONED through the real core (which calls the preparer first). */
  activate(keys?: readonly HostKey[]): Promise<Host[]>
}

/**
 * The real manager core on an in-memory Inventory whose preparer is the RPS/MPS one over the fakes; a tenant
 * `acme` with the given policy (static: its password is stored) and `hosts` hosts with UUID ids.
 */
export async function provisioningSetup(
  t: ExecutionContext,
  {
    policy = 'static',
    hosts = 1,
    tenantId = 'acme',
    log,
    rpsTimeoutMs,
  }: { policy?: PasswordPolicy; hosts?: number; tenantId?: string; log?: Logger; rpsTimeoutMs?: number } = {},
): Promise<ProvisioningSetup> {
  let preparer: ProvisioningPreparer = noPreparation
  const core = await startTestCore(t, { preparer: { prepare: (list) => preparer.prepare(list) } })
  const rig = await startDmt(t, core.inventory, {
    ...(log ? { log } : {}),
    ...(rpsTimeoutMs === undefined ? {} : { rpsTimeoutMs }),
  })
  preparer = rig.dmt.preparer
  await core.inventory.createTenant({ tenantId, passwordPolicy: policy })
  if (policy === 'static') rig.passwords.tenants.set(tenantId, { password: TENANT_PASSWORD })
  const created = await core.inventory.createHosts(
    Array.from({ length: hosts }, (_, i) => ({ tenantId, hostId: hostUuid(i + 1) })),
  )
  const keys = created.map(({ hostId }) => ({ tenantId, hostId }))
  return {
    ...core,
    ...rig,
    hosts: created,
    keys,
    activate: (selected = keys) => core.core.setDesired({ keys: selected }, { state: 'PROVISIONED' }, 'api:test'),
  }
}

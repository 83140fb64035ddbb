import type { HostPatch, Inventory } from '../../../manager/inventory/port.ts'
import type { Capability } from '../../../schemas/messages/capability.ts'
import { capable, notCapable } from '../../helpers/manager-core.ts'

export const TENANT = 'acme'
const BOOT_ID = '6f1c1d0e-8a3b-4c2d-9e4f-0a1b2c3d4e5f'

const report = (hostId: string, body: ReturnType<typeof capable>): Capability => ({
  v: 1,
  ts: '2026-01-02T10:00:00.000Z',
  hostId,
  bootId: BOOT_ID,
  seq: 1,
  ...body,
})

/**
 * One host per condition (and capability), stored as the manager's reducers leave them:
 *   p1 AMT provisioned online · a1 AMT activating online · f1 AMT failed (rpc LMSConnectionFailed) offline ·
 *   n1 not capable online · u1 no report offline · i1 ISM unprovisioned online · d1 pending deletion offline.
 */
const FLEET: Record<string, HostPatch> = {
  p1: {
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    phase: 'PROVISIONED',
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    online: true,
    lastSeen: '2026-01-02T10:00:00.000Z',
  },
  a1: {
    desiredState: 'PROVISIONED',
    currentState: 'UNPROVISIONED',
    phase: 'ACTIVATING',
    status: 'AMT Activation In Progress',
    statusIndicator: 'IN_PROGRESS',
    online: true,
  },
  f1: {
    desiredState: 'PROVISIONED',
    currentState: 'UNPROVISIONED',
    phase: 'FAILED',
    status: 'AMT Activation Failed: LMSConnectionFailed: LMS is not running',
    statusIndicator: 'ERROR',
    online: false,
  },
  n1: {
    sku: 'UNSPECIFIED',
    phase: 'NOT_SUPPORTED',
    status: 'AMT not supported: no Intel ME device (/dev/mei0 missing)',
    statusIndicator: 'ERROR',
    online: true,
  },
  u1: { online: false },
  i1: { currentState: 'UNPROVISIONED', phase: 'UNPROVISIONED', status: 'AMT not activated', online: true },
  d1: { deletion: 'pending', online: false },
}

const SKUS: Record<string, 'AMT' | 'ISM'> = { p1: 'AMT', a1: 'AMT', f1: 'AMT', i1: 'ISM' }

export async function seedFleet(inventory: Inventory): Promise<void> {
  await inventory.createTenant({ tenantId: TENANT })
  for (const [hostId, patch] of Object.entries(FLEET)) {
    await inventory.createHost({ tenantId: TENANT, hostId, name: `node-${hostId}` })
    const sku = SKUS[hostId]
    const capability =
      hostId === 'n1'
        ? { capability: report(hostId, notCapable('no Intel ME device (/dev/mei0 missing)')) }
        : sku === undefined
          ? {}
          : { sku, capability: report(hostId, capable(sku)) }
    await inventory.updateHost({ tenantId: TENANT, hostId }, { ...capability, ...patch })
  }
}

import { createDeviceModel, type DeviceModel, type DeviceModelInit } from '../amt/device-model.ts'
import type { LmsState } from '../services/port.ts'
import type { HostPlan } from './plan.ts'

/** SKUs as rpc reports them: AMT Pro Corporate (0x4008) and ISM Corporate (0x4010). */
const SKU = { amt: 0x4008, ism: 0x4010 } as const

/** The simulated firmware of a planned host, and whether LMS is installed on it. */
export function deviceOf(plan: HostPlan): { model: DeviceModel; lms: LmsState } {
  const { kind, faults, firmware } = plan
  const defined = Object.entries(firmware ?? {}).filter(([, value]) => value !== undefined)
  const model = createDeviceModel({
    ...(Object.fromEntries(defined) as DeviceModelInit),
    sku: kind === 'ism' ? SKU.ism : SKU.amt,
    uuid: uuidOf(plan),
    hostnameOS: plan.hostId.toLowerCase(),
    ...(kind === 'no-me' ? { meDevice: null } : {}),
    faults: { ...faults, ...(kind === 'not-capable' ? { notCapable: true } : {}) },
    ...(plan.activated === undefined
      ? {}
      : {
          controlMode: plan.activated.controlMode,
          password: plan.activated.password,
          ras: { remoteStatus: 'connected' as const },
        }),
  })
  return { model, lms: faults.lmsMissing ? 'not-installed' : 'inactive' }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The AMT UUID amtinfo reports: the one given for the host, else the host id when it is a UUID (a real host's id is
 * its SMBIOS UUID, which AMT reports too: the manager then sees no identity mismatch), else a stable, valid UUID per
 * host index (unique within one fleet only).
 */
function uuidOf(plan: HostPlan): string {
  if (plan.amtUuid !== undefined) return plan.amtUuid.toLowerCase()
  if (UUID.test(plan.hostId)) return plan.hostId.toLowerCase()
  return `5a5a0000-0000-4000-8000-${plan.index.toString(16).padStart(12, '0')}`
}

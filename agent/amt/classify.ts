import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { AmtError, AmtInfo, CapabilityClass } from './port.ts'
import { RPC_DEFAULTS } from './rpc-defaults.ts'

/** SKU bits of AMT >= 5 (../shared/reference/rpc-go.md "Capability from SKU bits"). */
const SKU_BITS = { AMT_PRO: 0x08, ISM: 0x10, AT_P: 0x2000, CORPORATE: 0x4000 } as const

/** The ME interface is not always at index 0 after a reboot: probe these, in order. */
const ME_DEVICE_NAMES = ['mei0', 'mei1', 'mei2', 'mei3'] as const

/** Codes meaning "there is no usable ME / AMT here" (not capable), as opposed to a failure worth retrying. */
const NO_ME_CODE_NAMES = new Set(['HECIDriverNotDetected', 'AmtNotDetected'])

/**
 * Capability from the numeric SKU only, never from the `features` text (its decoder can print "Invalid AMT
 * version format", which contains "AMT"). AMT Pro wins when both bits are set.
 */
export function classifySku(sku: number): CapabilityClass {
  if ((sku & SKU_BITS.AMT_PRO) !== 0) return { capable: true, sku: 'AMT' }
  if ((sku & SKU_BITS.ISM) !== 0) return { capable: true, sku: 'ISM' }
  const hex = `0x${sku.toString(16)}`
  return {
    capable: false,
    sku: 'UNSPECIFIED',
    reason: `SKU ${sku} (${hex}) has neither the AMT Pro (0x08) nor the ISM (0x10) bit`,
  }
}

/** AMT is (being) provisioned: CCM/ACM, or a provisioning state past pre-provisioning (v3 prints it). */
function isProvisioned(info: Pick<AmtInfo, 'controlMode' | 'provisioningState'>): boolean {
  if (info.controlMode === 'CCM' || info.controlMode === 'ACM') return true
  return info.provisioningState === 'in provisioning' || info.provisioningState === 'post-provisioning'
}

/**
 * Capability from amtinfo's decisive fields. A provisioned AMT is manageable whatever its SKU reads (never "not
 * supported"); otherwise the SKU bits decide. Null when they cannot: the SKU is unreadable (absent, empty, not a
 * number) and AMT is not provisioned.
 */
function classifyInfo(info: AmtInfo): CapabilityClass | null {
  const bySku = info.sku === null ? null : classifySku(info.sku)
  if (isProvisioned(info)) return bySku?.capable ? bySku : { capable: true, sku: 'UNSPECIFIED' }
  return bySku
}

/** True when an rpc failure means the node has no usable ME (so: not capable, not "retry later"). */
function isNoMeError(error: AmtError): boolean {
  return NO_ME_CODE_NAMES.has(error.codeName)
}

export type CapabilityInput = { meDevice: string | null; info: AmtInfo } | { meDevice: string | null; error: AmtError }

/**
 * Classifies the node from the ME device probe and amtinfo (or its failure). Returns null when the input says nothing
 * about capability (timeout, transient error, bad output, an unreadable SKU on an unprovisioned AMT): the caller
 * reports that and looks again later.
 */
export function classifyCapability(input: CapabilityInput): CapabilityClass | null {
  if (input.meDevice === null) {
    return {
      capable: false,
      sku: 'UNSPECIFIED',
      reason: `no Intel ME interface device (/dev/${ME_DEVICE_NAMES.join(', /dev/')})`,
    }
  }
  if ('error' in input) {
    if (!isNoMeError(input.error)) return null
    return { capable: false, sku: 'UNSPECIFIED', reason: `${input.error.codeName}: ${input.error.message}` }
  }
  return classifyInfo(input.info)
}

/** The first ME interface device present under `devDir` (injectable for tests), e.g. '/dev/mei0', or null. */
export async function probeMeDevice(devDir: string = RPC_DEFAULTS.devDir): Promise<string | null> {
  for (const name of ME_DEVICE_NAMES) {
    const path = join(devDir, name)
    try {
      await access(path)
      return path
    } catch {
      // not present: try the next index
    }
  }
  return null
}

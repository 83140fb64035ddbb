import { z } from 'zod'
import { RasRemoteStatus } from '../../schemas/index.ts'
import { describeIssuesInline } from '../../schemas/issues.ts'
import { AMTINFO_KEYS, createDeviceModel, type DeviceModel } from './device-model.ts'

/**
 * The JSON form of a DeviceModel (the rpc emulator's device file, fleet-simulator specs). Every field is optional
 * and defaults as createDeviceModel does; unknown keys are rejected so a typo in a fault name is not silently ignored.
 */
const Command = z.enum(['version', 'amtinfo', 'activate', 'deactivate', 'changePassword'])
const ControlMode = z.enum(['pre-provisioning', 'ccm', 'acm'])
const Count = z.int().min(0)

const Faults = z.strictObject({
  notCapable: z.boolean().optional(),
  noMe: z.boolean().optional(),
  lmsMissing: z.boolean().optional(),
  v2RpsError: z.union([z.boolean(), z.string()]).optional(),
  transientOnCall: z.union([Count, z.array(Count)]).optional(),
  hang: z.array(Command).optional(),
  hangIgnoresSigterm: z.boolean().optional(),
  stuckConnecting: Count.optional(),
  stuckConnectingActivations: Count.optional(),
  garbageStdout: z.boolean().optional(),
  garbageCertificates: z.boolean().optional(),
  amtinfoOmits: z.array(z.enum(AMTINFO_KEYS)).optional(),
  activationFails: z.int().min(1).max(255).optional(),
  activationFailDelayMs: z.int().min(0).max(86_400_000).optional(),
  wrongPassword: z.boolean().optional(),
  changePasswordFails: z.boolean().optional(),
})

export const DeviceModelJson = z.strictObject({
  rpcLine: z.enum(['v2', 'v3']).optional(),
  rpcVersion: z.string().optional(),
  sku: z.int().min(0).nullable().optional(),
  amtVersion: z.string().optional(),
  buildNumber: z.string().optional(),
  features: z.string().nullable().optional(),
  uuid: z.string().optional(),
  controlMode: ControlMode.optional(),
  ras: z
    .strictObject({
      networkStatus: z.string().optional(),
      remoteStatus: RasRemoteStatus.optional(),
      remoteTrigger: z.string().optional(),
      mpsHostname: z.string().optional(),
    })
    .optional(),
  dnsSuffix: z.string().optional(),
  dnsSuffixOS: z.string().optional(),
  hostnameOS: z.string().optional(),
  operationalState: z.string().optional(),
  certificateHashes: z
    .array(
      z.strictObject({
        Name: z.string(),
        Hash: z.string(),
        Algorithm: z.string(),
        IsActive: z.boolean(),
        IsDefault: z.boolean(),
      }),
    )
    .optional(),
  meDevice: z.string().nullable().optional(),
  lmsInstalled: z.boolean().optional(),
  password: z.string().nullable().optional(),
  profiles: z.record(z.string(), z.enum(['ccm', 'acm'])).optional(),
  latencyMs: Count.optional(),
  faults: Faults.optional(),
  counters: z
    .strictObject({ calls: Count.optional(), activations: Count.optional(), connectingRemaining: Count.optional() })
    .optional(),
})

/** Parses a device file's JSON into a complete DeviceModel; throws an Error listing every problem. */
export function parseDeviceModel(json: unknown): DeviceModel {
  const parsed = DeviceModelJson.safeParse(json)
  if (!parsed.success) throw new Error(`invalid device model: ${describeIssuesInline(parsed.error)}`)
  const { ras, counters, ...rest } = parsed.data
  const defined = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
  return createDeviceModel({
    ...defined(rest),
    ...(ras ? { ras: defined(ras) } : {}),
    ...(counters ? { counters: defined(counters) } : {}),
  })
}

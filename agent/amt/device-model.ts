import type { RasRemoteStatus } from '../../schemas/index.ts'
import { DEFAULT_CERTIFICATE_HASHES, type DeviceCertificateHash } from './device-root-hashes.ts'

/**
 * A pure, serialisable model of one node's AMT firmware as rpc sees it, with fault injection. It backs both the rpc
 * emulator executable (test/fixtures/bin/rpc, state in a JSON device file) and the in-process simulated adapter
 * (simulated.ts). Operations live in device-operations.ts: (model, operation) → outcome with the new model.
 * Plain JSON only: no classes, no functions, no Dates.
 */
export type RpcLine = 'v2' | 'v3'
type DeviceCommand = 'version' | 'amtinfo' | 'activate' | 'deactivate' | 'changePassword'
export type DeviceControlMode = 'pre-provisioning' | 'ccm' | 'acm'

/** Top-level keys of amtinfo's document that a device can leave out (faults.amtinfoOmits). */
export const AMTINFO_KEYS = [
  'amt',
  'buildNumber',
  'sku',
  'features',
  'uuid',
  'controlMode',
  'provisioningState',
  'operationalState',
  'dnsSuffix',
  'ras',
] as const
export type AmtinfoKey = (typeof AMTINFO_KEYS)[number]

export interface DeviceRas {
  networkStatus: string
  remoteStatus: RasRemoteStatus
  remoteTrigger: string
  mpsHostname: string
}

export interface DeviceFaults {
  /** Report the SKU without the AMT Pro / ISM bits; activate exits 111 UnableToActivate. */
  notCapable?: boolean
  /** Every command exits 2 HECIDriverNotDetected (v3: `version` works, amtinfo prints heciAvailable=false). */
  noMe?: boolean
  /** activate exits 139 LMSConnectionFailed (as AMT 19+ does without LMS). */
  lmsMissing?: boolean
  /** RPS reports an error: v2 activate/deactivate (remote) exit 0 and log it at level error; v3 exits 10. Nothing changes. A string is the error text. */
  v2RpsError?: boolean | string
  /** Exit 10 "interrupted system call" on these call numbers (see DeviceCounters.calls). */
  transientOnCall?: number | number[]
  /** Commands that never exit (until killed). */
  hang?: DeviceCommand[]
  /** Emulator only: a hanging rpc ignores SIGTERM, so only SIGKILL ends it. */
  hangIgnoresSigterm?: boolean
  /** After an activation, the next N amtinfo calls show ras.remoteStatus "connecting", then "connected". */
  stuckConnecting?: number
  /** How many activations (from the first) stuckConnecting applies to; absent: all of them. */
  stuckConnectingActivations?: number
  /** amtinfo prints garbage instead of JSON (exit 0). */
  garbageStdout?: boolean
  /** Only `amtinfo -cert` prints garbage (exit 0): the hashes are unreadable, the rest is fine. */
  garbageCertificates?: boolean
  /** amtinfo leaves these keys out of its document (both lines), as some rpc builds and firmware do. */
  amtinfoOmits?: AmtinfoKey[]
  /** activate exits with this code (e.g. 102 ActivationFailed); nothing changes. */
  activationFails?: number
  /** Simulated device only: an activate that fails (activationFails) takes this long first, as RPS timeouts do. */
  activationFailDelayMs?: number
  /** deactivate rejects any password: exit 23 MissingOrIncorrectPassword (changePassword: exit 10, WS-MAN 401). */
  wrongPassword?: boolean
  /** changePassword: AMT refuses the update (exit 10); the password stays. */
  changePasswordFails?: boolean
}

interface DeviceCounters {
  /**
   * Calls of amtinfo, activate and deactivate so far. `version` and a certificates-only amtinfo (`-cert`) do not
   * count: adapters read them once (per firmware) and cache them.
   */
  calls: number
  /** Successful activations so far. */
  activations: number
  /** amtinfo calls that still show "connecting" before the CIRA connection comes up (stuckConnecting). */
  connectingRemaining: number
}

export interface DeviceModel {
  rpcLine: RpcLine
  /** What `rpc version` prints; keep its major consistent with rpcLine. */
  rpcVersion: string
  /** Numeric SKU; null: rpc could not read it (printed as ""). */
  sku: number | null
  amtVersion: string
  buildNumber: string
  /** null: decoded from amtVersion + sku as rpc does (e.g. "AMT Pro Corporate"). */
  features: string | null
  uuid: string
  controlMode: DeviceControlMode
  ras: DeviceRas
  dnsSuffix: string
  dnsSuffixOS: string
  hostnameOS: string
  operationalState: string
  /** AMT's trusted root certificate hashes (`amtinfo -cert`). */
  certificateHashes: DeviceCertificateHash[]
  /** The ME interface device node, e.g. '/dev/mei0'; null: none (every rpc command exits 2). */
  meDevice: string | null
  /** LMS installed and running. Without it activation exits 139 on AMT >= 19 and hangs on older AMT. */
  lmsInstalled: boolean
  /** The AMT admin password set at activation; null when not activated or unknown (then any password is accepted). */
  password: string | null
  /** RPS profiles: name → control mode. Empty: every profile exists, ACM when its name contains "acm". */
  profiles: Record<string, 'ccm' | 'acm'>
  /** Emulator only: milliseconds each call takes (the simulated adapter has its own latency option). */
  latencyMs: number
  faults: DeviceFaults
  counters: DeviceCounters
}

/** Input of createDeviceModel: any subset, nested objects merged with the defaults. */
export type DeviceModelInit = Partial<Omit<DeviceModel, 'ras' | 'counters'>> & {
  ras?: Partial<DeviceRas>
  counters?: Partial<DeviceCounters>
}

const DEFAULT_RPC_VERSIONS: Readonly<Record<RpcLine, string>> = { v2: '2.52.6', v3: '3.0.0-beta.1' }

export const PRE_PROVISIONING_RAS: Readonly<DeviceRas> = Object.freeze({
  networkStatus: 'outside enterprise',
  remoteStatus: 'not connected',
  remoteTrigger: 'user initiated',
  mpsHostname: '',
})

/** A capable, unprovisioned AMT 18.0.5 node (the reference's real-world values), merged with `init`. */
export function createDeviceModel(init: DeviceModelInit = {}): DeviceModel {
  const rpcLine = init.rpcLine ?? 'v2'
  return {
    rpcLine,
    rpcVersion: init.rpcVersion ?? DEFAULT_RPC_VERSIONS[rpcLine],
    sku: init.sku === undefined ? 16392 : init.sku,
    amtVersion: init.amtVersion ?? '18.0.5',
    buildNumber: init.buildNumber ?? '1913',
    features: init.features ?? null,
    uuid: init.uuid ?? '4c4c4544-005a-3510-8047-b4c04f564433',
    controlMode: init.controlMode ?? 'pre-provisioning',
    ras: { ...PRE_PROVISIONING_RAS, ...init.ras },
    dnsSuffix: init.dnsSuffix ?? '',
    dnsSuffixOS: init.dnsSuffixOS ?? 'example.com',
    hostnameOS: init.hostnameOS ?? 'edge-node-1',
    operationalState: init.operationalState ?? 'enabled',
    certificateHashes: (init.certificateHashes ?? DEFAULT_CERTIFICATE_HASHES).map((hash) => ({ ...hash })),
    meDevice: init.meDevice === undefined ? '/dev/mei0' : init.meDevice,
    lmsInstalled: init.lmsInstalled ?? true,
    password: init.password ?? null,
    profiles: { ...init.profiles },
    latencyMs: init.latencyMs ?? 0,
    faults: { ...init.faults },
    counters: { calls: 0, activations: 0, connectingRemaining: 0, ...init.counters },
  }
}

/** The SKU as rpc reports it: without the AMT Pro / ISM bits under the notCapable fault. */
export function reportedSku(model: DeviceModel): number | null {
  if (model.sku === null) return null
  return model.faults.notCapable ? model.sku & ~0x18 : model.sku
}

/** The control mode a profile activates into. */
export function profileMode(model: DeviceModel, profile: string): 'ccm' | 'acm' | undefined {
  if (Object.keys(model.profiles).length === 0) return /(^|[_-])acm($|[_-])/i.test(profile) ? 'acm' : 'ccm'
  return model.profiles[profile]
}

/** The AMT major version, or 0 when unreadable. */
export function amtMajor(model: DeviceModel): number {
  const major = Number(model.amtVersion.split('.')[0])
  return Number.isFinite(major) ? major : 0
}

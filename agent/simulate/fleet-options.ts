import { z } from 'zod'
import { DeviceModelJson } from '../amt/device-model-schema.ts'
import { TenantId } from '../../schemas/index.ts'

/**
 * What a simulated fleet looks like, validated with zod (the CLI and the manager's demo build the same spec).
 * Functions (credentials callback, logger) are passed next to it, see FleetOptions in fleet.ts.
 */

/** Device kinds: AMT Pro, ISM, a SKU without the AMT/ISM bits, no ME interface device at all. */
export const HostKind = z.enum(['amt', 'ism', 'not-capable', 'no-me'])
export type HostKind = z.infer<typeof HostKind>

/** Fault injection of the device model (agent/amt/device-model.ts), as JSON. */
export const DeviceFaultsJson = DeviceModelJson.shape.faults.unwrap()
export type DeviceFaultsJson = z.infer<typeof DeviceFaultsJson>

/**
 * Per-host firmware facts ACM eligibility reads (docs/policy.md): DNS suffixes, firmware version, root hashes; and
 * the rpc line installed (v2 by default; password rotation needs v3, docs/credentials.md).
 */
export const DeviceFirmwareJson = DeviceModelJson.pick({
  rpcLine: true,
  dnsSuffix: true,
  dnsSuffixOS: true,
  amtVersion: true,
  buildNumber: true,
  certificateHashes: true,
})
export type DeviceFirmwareJson = z.infer<typeof DeviceFirmwareJson>

/**
 * AMT already activated on a host, with the password AMT has (for password candidates: one of the host's older
 * stored versions, docs/credentials.md). Plain text: the simulator must present it; never log it.
 */
export const ActivatedAmt = z.strictObject({
  controlMode: z.enum(['ccm', 'acm']),
  password: z.string().min(8).max(32),
})
export type ActivatedAmt = z.infer<typeof ActivatedAmt>

const weight = z.number().min(0).max(1_000_000)
const rate = z.number().min(0).max(1)
const ms = z.int().min(0).max(86_400_000)

/**
 * An explicit host: by index (0-based, in plan order) or by hostId; its kind and faults replace the drawn ones
 * (faults without a kind land on a capable host). The kind counts of the mix stay exact (see plan.ts).
 */
export const Assignment = z
  .strictObject({
    index: z.int().min(0).optional(),
    hostId: z.string().min(1).optional(),
    kind: HostKind.optional(),
    faults: DeviceFaultsJson.optional(),
  })
  .refine((a) => (a.index === undefined) !== (a.hostId === undefined), {
    message: 'give exactly one of index or hostId',
  })
export type Assignment = z.infer<typeof Assignment>

/**
 * Weights of the kinds (normalised; counts are apportioned exactly, then shuffled with the seed). Weights left out
 * are 0, unless none is given at all: then 70 AMT / 20 ISM / 10 not capable.
 */
const DEFAULT_WEIGHTS = { amt: 70, ism: 20, notCapable: 10, noMe: 0 }
const Mix = z
  .strictObject({
    amt: weight.optional(),
    ism: weight.optional(),
    notCapable: weight.optional(),
    noMe: weight.optional(),
    assign: z.array(Assignment).default([]),
  })
  .transform(({ assign, ...weights }) => {
    const given = Object.values(weights).some((w) => w !== undefined)
    const { amt = 0, ism = 0, notCapable = 0, noMe = 0 } = given ? weights : DEFAULT_WEIGHTS
    return { amt, ism, notCapable, noMe, assign }
  })
  .refine((m) => m.amt + m.ism + m.notCapable + m.noMe > 0, { message: 'at least one weight must be positive' })
type Mix = z.infer<typeof Mix>

/**
 * Share of the capable hosts (AMT/ISM) given each failure class, disjoint:
 * transient: exit 10 "interrupted system call" on an early call, retried → PROVISIONED;
 * activationFails: activate exits `activationFailCode` (default 102 ActivationFailed) after `activationFailDelayMs`
 *   (default 0) → FAILED;
 * lmsMissing: LMS not installed, activate exits 139 → FAILED;
 * stuckConnecting: the first activation stays CIRA "connecting" → recovered (deactivate + activate) → PROVISIONED.
 */
export const Failures = z
  .strictObject({
    transient: rate.default(0),
    activationFails: rate.default(0),
    lmsMissing: rate.default(0),
    stuckConnecting: rate.default(0),
    activationFailCode: z.int().min(1).max(255).default(102),
    activationFailDelayMs: ms.default(0),
  })
  .refine((f) => f.transient + f.activationFails + f.lmsMissing + f.stuckConnecting <= 1, {
    message: 'failure rates must add up to at most 1',
  })
export type Failures = z.infer<typeof Failures>
export type { FailureClass } from './failure-classes.ts'

/** Duration of every simulated rpc call. */
export const Latency = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('zero') }),
  z.strictObject({ kind: z.literal('fixed'), ms }),
  z
    .strictObject({ kind: z.literal('uniform'), minMs: ms, maxMs: ms })
    .refine((l) => l.minMs <= l.maxMs, { message: 'minMs must not exceed maxMs' }),
])
export type Latency = z.infer<typeof Latency>

/** Agent tuning: short bounds suitable for a demo (the real agent's defaults are minutes). Ranges are checked by the agent's own config schema. */
export const AgentTuning = z.strictObject({
  reconcileIntervalMs: ms.default(60_000),
  maxAttempts: z.int().min(1).default(3),
  retryBaseMs: ms.default(200),
  retryMaxMs: ms.default(2_000),
  stuckConnectingMs: ms.default(2_000),
  maxRecoveries: z.int().min(0).default(2),
  secretTimeoutMs: ms.default(3_000),
  keepaliveSeconds: z.int().min(5).default(60),
  connectTimeoutMs: ms.default(10_000),
  reconnectMinMs: ms.default(200),
  reconnectWindowMs: ms.default(5_000),
  reconnectMaxMs: ms.default(5_000),
  offlineQueueLimit: z.int().min(1).default(20),
  amtinfoTimeoutMs: ms.default(10_000),
  operationTimeoutMs: ms.default(30_000),
  rpsUrl: z.string().default('wss://rps.simulated.invalid/activate'),
  profile: z.string().min(1).default('simulated-ccm'),
})
export type AgentTuning = z.infer<typeof AgentTuning>

export const FleetSpec = z.strictObject({
  brokerUrl: z.string().min(1),
  /** Number of hosts when no explicit host list is given. */
  count: z.int().min(1).max(1_000_000).optional(),
  /** A count (tenant-1..tenant-N) or the tenant ids; hosts are spread round-robin. */
  tenants: z.union([z.int().min(1).max(100_000), z.array(TenantId).min(1)]).default(1),
  /** hostId of planned hosts: {n} (1-based, zero-padded), {index} (0-based), {tenantId}. */
  hostIdPattern: z.string().min(1).default('sim-{n}'),
  seed: z.union([z.int(), z.string()]).default(1),
  mix: Mix.default({ ...DEFAULT_WEIGHTS, assign: [] }),
  failures: Failures.default(Failures.parse({})),
  latency: Latency.default({ kind: 'zero' }),
  /** Connections started per second; 0: all at once. */
  rampPerSecond: z.number().min(0).default(0),
  agent: AgentTuning.default(AgentTuning.parse({})),
  /** Level of the shared logger when the fleet makes its own. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
})
export type FleetSpec = z.infer<typeof FleetSpec>
export type FleetSpecInput = z.input<typeof FleetSpec>

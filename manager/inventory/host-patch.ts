import {
  AgentPhase,
  AmtControlMode,
  AmtSku,
  AmtState,
  ObservedControlMode,
  StatusIndication,
} from '../../schemas/enums.ts'
import { isValidId, ID_RULE } from '../../schemas/ids.ts'
import { AGENT_LEAVES } from '../../schemas/topics.ts'
import { policyProblem } from './amt-policy.ts'
import { invalidInput } from './errors.ts'
import { labelsProblem, sortedLabels } from './labels.ts'
import { rotationProblem } from './password-rotation.ts'
import {
  POWER_STATES,
  STATUS_MAX_BYTES,
  UNKNOWN_STATUS,
  type CreateHostInput,
  type Host,
  type HostKey,
  type HostPatch,
  type LastSeq,
} from './host.ts'

/**
 * The adapter-independent rules of host writes (defaults, status timestamps, desired generations, lastSeq per
 * boot, validation). Adapters read the row, call applyHostPatch and store the result, all in one transaction.
 */

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const DESIRED_FIELDS = ['desiredState', 'controlMode', 'dnsSuffix'] as const
const NAME_MAX = 128
const DNS_SUFFIX_MAX = 255

type Check = (value: unknown) => boolean
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values)
  return (value) => typeof value === 'string' && set.has(value)
}
const nullable =
  (check: Check): Check =>
  (value) =>
    value === null || check(value)
const count: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 0
const text =
  (max: number): Check =>
  (value) =>
    typeof value === 'string' && value.length <= max
const anyText: Check = (value) => typeof value === 'string'
const isoTime: Check = (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value))
const agentLeaf = oneOf(AGENT_LEAVES)
const lastSeq: Check = (value) =>
  typeof value === 'object' &&
  value !== null &&
  Object.entries(value).every(([leaf, seq]) => agentLeaf(leaf) && count(seq))

const PATCH_CHECKS: Record<keyof HostPatch, Check> = {
  name: text(NAME_MAX),
  desiredState: oneOf(AmtState.options),
  controlMode: oneOf(AmtControlMode.options),
  dnsSuffix: text(DNS_SUFFIX_MAX),
  currentState: oneOf(AmtState.options),
  sku: oneOf(AmtSku.options),
  status: anyText,
  statusIndicator: oneOf(StatusIndication.options),
  statusTimestamp: count,
  observedGeneration: count,
  phase: nullable(oneOf(AgentPhase.options)),
  reportedControlMode: nullable(oneOf(ObservedControlMode.options)),
  capability: (value) => value === null || (typeof value === 'object' && !Array.isArray(value)),
  online: (value) => typeof value === 'boolean',
  bootId: nullable(text(64)),
  lastSeen: nullable(isoTime),
  lastSeq,
  agentKind: oneOf(['mqtt', 'grpc']),
  activationRequestedAt: nullable(isoTime),
  localDeactivation: (value) => typeof value === 'boolean',
  deletion: oneOf(['none', 'pending']),
  desiredPowerState: oneOf(POWER_STATES),
  currentPowerState: oneOf(POWER_STATES),
  powerStatus: anyText,
  powerStatusIndicator: oneOf(StatusIndication.options),
  powerStatusTimestamp: count,
  powerStateReadAt: nullable(isoTime),
  labels: (value) => labelsProblem(value) === null,
  policyOverride: (value) => value === null || policyProblem(value) === null,
  rotation: (value) => value === null || rotationProblem(value) === null,
}

export function assertKey({ tenantId, hostId }: HostKey): void {
  assertId('tenantId', tenantId)
  assertId('hostId', hostId)
}

export function assertId(field: 'tenantId' | 'hostId', value: string): void {
  if (typeof value !== 'string' || !isValidId(value)) throw invalidInput(`${field} must be ${ID_RULE}`)
}

/** Throws INVENTORY_INVALID_INPUT for unknown fields and values of the wrong kind. */
export function assertPatch(patch: HostPatch): void {
  for (const [field, value] of Object.entries(patch) as [string, unknown][]) {
    if (value === undefined) continue
    const check = (PATCH_CHECKS as Record<string, Check | undefined>)[field]
    if (check === undefined) throw invalidInput(`unknown host field ${JSON.stringify(field.slice(0, 64))}`)
    if (!check(value)) throw invalidInput(`invalid value for host field ${field}${problemOf(field, value)}`)
  }
}

/** The words of a labels or policy problem (the other fields' checks are plain). */
function problemOf(field: string, value: unknown): string {
  const problem = field === 'labels' ? labelsProblem(value) : field === 'policyOverride' ? policyProblem(value) : null
  return problem === null ? '' : `: ${problem}`
}

export function isDesiredWrite(patch: HostPatch): boolean {
  return DESIRED_FIELDS.some((field) => patch[field] !== undefined)
}

function unixSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000)
}

/** Normalises a (validated) ISO time to `toISOString()` form, so stored times sort as text. */
export function isoOf(value: string): string {
  return CANONICAL_ISO.test(value) ? value : new Date(value).toISOString()
}

/** Truncates to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(value: string, maxBytes = STATUS_MAX_BYTES): string {
  if (value.length * 3 <= maxBytes) return value
  const bytes = Buffer.from(value, 'utf8')
  if (bytes.length <= maxBytes) return value
  let end = maxBytes
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8')
}

/** A new host with the documented defaults. */
export function newHost(input: CreateHostInput, now: Date): Host {
  assertKey(input)
  assertPatch({
    name: input.name,
    controlMode: input.controlMode,
    dnsSuffix: input.dnsSuffix,
    agentKind: input.agentKind,
    labels: input.labels,
  })
  const iso = now.toISOString()
  const seconds = unixSeconds(now)
  return {
    tenantId: input.tenantId,
    hostId: input.hostId,
    name: input.name ?? input.hostId,
    desiredState: 'UNSPECIFIED',
    currentState: 'UNSPECIFIED',
    sku: 'UNSPECIFIED',
    status: UNKNOWN_STATUS,
    statusIndicator: 'UNSPECIFIED',
    statusTimestamp: seconds,
    controlMode: input.controlMode ?? 'CCM',
    dnsSuffix: input.dnsSuffix ?? '',
    desiredGeneration: 0,
    observedGeneration: 0,
    phase: null,
    reportedControlMode: null,
    capability: null,
    online: false,
    bootId: null,
    lastSeen: null,
    lastSeq: {},
    agentKind: input.agentKind ?? 'mqtt',
    activationRequestedAt: null,
    localDeactivation: false,
    deletion: 'none',
    desiredPowerState: 'UNSPECIFIED',
    currentPowerState: 'UNSPECIFIED',
    powerStatus: UNKNOWN_STATUS,
    powerStatusIndicator: 'UNSPECIFIED',
    powerStatusTimestamp: seconds,
    powerStateReadAt: null,
    labels: sortedLabels(input.labels ?? {}),
    policyOverride: null,
    rotation: null,
    version: 1,
    createdAt: iso,
    updatedAt: iso,
  }
}

/** The host after the patch (see HostPatch for the rules). Validates the patch; does not mutate `host`. */
export function applyHostPatch(host: Host, patch: HostPatch, now: Date): Host {
  assertPatch(patch)
  return applyCheckedPatch(host, patch, now)
}

/**
 * applyHostPatch of a patch its caller validated already (assertPatch): the ingest's projection of a batch applies
 * each report's patch, checked when the report was handled, once per following report of the same host.
 */
export function applyCheckedPatch(host: Host, patch: HostPatch, now: Date): Host {
  const next: Host = { ...host }
  const fields = next as unknown as Record<string, unknown>
  for (const field in patch) {
    const value = (patch as Record<string, unknown>)[field]
    if (value !== undefined) fields[field] = value
  }
  const seconds = unixSeconds(now)
  if (patch.status !== undefined || patch.statusIndicator !== undefined)
    next.statusTimestamp = patch.statusTimestamp ?? seconds
  if (patch.powerStatus !== undefined || patch.powerStatusIndicator !== undefined) {
    next.powerStatusTimestamp = patch.powerStatusTimestamp ?? seconds
  }
  // Stored texts are already within the limit: only a patched one needs the check.
  if (patch.status !== undefined) next.status = truncateUtf8(next.status)
  if (patch.labels !== undefined) next.labels = sortedLabels(patch.labels)
  if (patch.powerStatus !== undefined) next.powerStatus = truncateUtf8(next.powerStatus)
  if (isDesiredWrite(patch)) next.desiredGeneration = host.desiredGeneration + 1
  if (patch.lastSeen) next.lastSeen = isoOf(patch.lastSeen)
  if (patch.activationRequestedAt) next.activationRequestedAt = isoOf(patch.activationRequestedAt)
  next.lastSeq = mergeLastSeq(host, patch)
  next.version = host.version + 1
  next.updatedAt = now.toISOString()
  return next
}

function mergeLastSeq(host: Host, patch: HostPatch): LastSeq {
  const newBoot = patch.bootId !== undefined && patch.bootId !== host.bootId
  const base = newBoot ? {} : host.lastSeq
  return patch.lastSeq === undefined ? base : { ...base, ...patch.lastSeq }
}

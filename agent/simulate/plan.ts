import type { DeviceFaults } from '../amt/device-model.ts'
import { FAILURE_CLASSES, type FailureClass } from './failure-classes.ts'
import type { ActivatedAmt, DeviceFirmwareJson, FleetSpec, HostKind } from './fleet-options.ts'
import { apportion, shuffle, type Random } from './prng.ts'

/** One simulated host as planned: who it is, what device it has, which fault it carries. No credentials. */
export interface HostPlan {
  index: number
  tenantId: string
  hostId: string
  kind: HostKind
  faults: DeviceFaults
  /** Firmware facts of this host (suffixes, version, root hashes); absent: the device model's defaults. */
  firmware?: DeviceFirmwareJson
  /** The failure class drawn for this host; 'assigned' for explicit faults; null for a healthy host. */
  failure: FailureClass | 'assigned' | null
  /** The AMT UUID given for it (a credentials entry); absent: device-profile.ts derives one. */
  amtUuid?: string
  /** AMT already activated with this password (a credentials entry); absent: pre-provisioning. */
  activated?: ActivatedAmt
}

/** A host named by a credentials list, possibly with its own kind and faults. */
export interface GivenHost {
  tenantId: string
  hostId: string
  kind?: HostKind
  faults?: DeviceFaults
  firmware?: DeviceFirmwareJson
  amtUuid?: string
  activated?: ActivatedAmt
}

const KINDS: readonly HostKind[] = ['amt', 'ism', 'not-capable', 'no-me']
const capable = (kind: HostKind) => kind === 'amt' || kind === 'ism'

/** The device faults standing for each failure class. */
export function faultsOf(failure: FailureClass, activationFailCode: number, activationFailDelayMs = 0): DeviceFaults {
  switch (failure) {
    case 'transient':
      return { transientOnCall: [2, 3] }
    case 'activationFails':
      return { activationFails: activationFailCode, ...(activationFailDelayMs > 0 ? { activationFailDelayMs } : {}) }
    case 'lmsMissing':
      return { lmsMissing: true }
    case 'stuckConnecting':
      return { stuckConnecting: 1_000_000, stuckConnectingActivations: 1 }
  }
}

/**
 * The fleet's hosts, reproducible from the seed: identities (given, or count × tenants × hostIdPattern), kinds
 * apportioned exactly from the mix weights and shuffled, failure classes apportioned over the capable hosts, then
 * explicit assignments (credentials entries, mix.assign) on top.
 */
export function planFleet(spec: FleetSpec, random: Random, given?: readonly GivenHost[]): HostPlan[] {
  const identities = given ?? generateIdentities(spec)
  const { mix, failures } = spec
  const counts = apportion(identities.length, [mix.amt, mix.ism, mix.notCapable, mix.noMe])
  const kinds = shuffle(
    counts.flatMap((count, k) => Array.from({ length: count }, () => KINDS[k] ?? 'amt')),
    random,
  )
  const byHostId = new Map(mix.assign.filter((a) => a.hostId !== undefined).map((a) => [a.hostId, a]))
  const explicit = identities.map(
    (identity, index) => mix.assign.find((a) => a.index === index) ?? byHostId.get(identity.hostId),
  )
  // Faults without a kind land on a capable host (a fault on a node that is never activated would show nothing).
  const fixedKinds = identities.map((identity, index) => {
    const kind = explicit[index]?.kind ?? identity.kind
    const faulty = (explicit[index]?.faults ?? identity.faults) !== undefined
    return kind ?? (faulty && !capable(kinds[index] ?? 'amt') ? 'amt' : undefined)
  })
  keepCounts(kinds, fixedKinds)
  const plans: HostPlan[] = identities.map((identity, index) => {
    const kind = fixedKinds[index] ?? kinds[index] ?? 'amt'
    const faults = explicit[index]?.faults ?? identity.faults
    return {
      index,
      tenantId: identity.tenantId,
      hostId: identity.hostId,
      kind,
      faults: { ...faults },
      ...(identity.firmware ? { firmware: identity.firmware } : {}),
      failure: faults ? 'assigned' : null,
      ...(identity.amtUuid === undefined ? {} : { amtUuid: identity.amtUuid }),
      ...(identity.activated === undefined ? {} : { activated: identity.activated }),
    }
  })

  const drawable = shuffle(
    plans.filter((plan) => plan.failure === null && capable(plan.kind)),
    random,
  )
  const classCounts = FAILURE_CLASSES.map((failure) => Math.round(failures[failure] * drawable.length))
  let next = 0
  FAILURE_CLASSES.forEach((failure, k) => {
    for (let i = 0; i < (classCounts[k] ?? 0) && next < drawable.length; i += 1) {
      const plan = drawable[next++]
      if (!plan) break
      plan.failure = failure
      plan.faults = faultsOf(failure, failures.activationFailCode, failures.activationFailDelayMs)
    }
  })
  return plans
}

/**
 * A host given an explicit kind swaps its drawn kind with a host drawn that kind (and free to change), so the
 * apportioned counts stay exact: 20 hosts at 70/20/10 with one explicit AMT host are still 14/4/2.
 */
function keepCounts(kinds: HostKind[], fixed: ReadonlyArray<HostKind | undefined>): void {
  fixed.forEach((kind, index) => {
    if (kind === undefined || kinds[index] === kind) return
    const other = kinds.findIndex((drawn, j) => drawn === kind && fixed[j] === undefined)
    if (other >= 0) kinds[other] = kinds[index] ?? kind
    kinds[index] = kind
  })
}

function generateIdentities(spec: FleetSpec): GivenHost[] {
  const count = spec.count ?? 0
  const tenants =
    typeof spec.tenants === 'number' ? Array.from({ length: spec.tenants }, (_, i) => `tenant-${i + 1}`) : spec.tenants
  const width = String(count).length
  return Array.from({ length: count }, (_, index) => {
    const tenantId = tenants[index % tenants.length] ?? 'tenant-1'
    return { tenantId, hostId: fillPattern(spec.hostIdPattern, { index, width, tenantId }) }
  })
}

/** Fills {n} (1-based, zero-padded to the fleet size), {index} (0-based), {tenantId} and {hostId}. */
export function fillPattern(
  pattern: string,
  values: { index: number; width?: number; tenantId: string; hostId?: string },
): string {
  return pattern.replace(/\{(n|index|tenantId|hostId)\}/g, (_, name: string) => {
    if (name === 'n') return String(values.index + 1).padStart(values.width ?? 1, '0')
    if (name === 'index') return String(values.index)
    if (name === 'tenantId') return values.tenantId
    return values.hostId ?? ''
  })
}

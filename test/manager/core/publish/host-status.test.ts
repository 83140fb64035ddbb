import test from 'ava'
import { HostStatus } from '../../../../schemas/messages/status.ts'
import { AgentPhase, AmtControlMode, AmtSku, AmtState, StatusIndication } from '../../../../schemas/enums.ts'
import { hostStatusOf, statusFieldsJson, statusPayloadOf } from '../../../../manager/core/publish/host-status.ts'
import { applyHostPatch, newHost } from '../../../../manager/inventory/host-patch.ts'
import { POWER_STATES, type Host, type HostPatch } from '../../../../manager/inventory/host.ts'

/**
 * The status publisher sends hostStatusOf's view without parsing it, serialised once (statusFieldsJson, then
 * statusPayloadOf): this file is what guarantees it fits the contract. Every host the Inventory can store — every enum value, the longest texts it
 * keeps, labels, every power action outcome, never-read and read power — makes a view that HostStatus parses to
 * itself (nothing stripped, nothing refused).
 */
const now = new Date('2030-01-02T03:04:05.678Z')
const base = newHost({ tenantId: 'acme', hostId: 'h1' }, now)
const stored = (patch: HostPatch): Host => applyHostPatch(base, patch, now)

const long = (length: number) => 'é'.repeat(length)
const patches: HostPatch[] = [
  {},
  {
    name: 'n'.repeat(128),
    status: long(2000),
    powerStatus: long(2000),
    dnsSuffix: 'd'.repeat(255),
    labels: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'.repeat(63)])),
    lastSeen: '2030-01-02T03:04:05Z',
    online: true,
    agentKind: 'grpc',
    powerStateReadAt: '2030-01-02T03:04:05.678Z',
  },
  ...AmtState.options.flatMap((state) => [{ desiredState: state }, { currentState: state }]),
  ...AmtSku.options.map((sku) => ({ sku })),
  ...AmtControlMode.options.map((controlMode) => ({ controlMode })),
  ...StatusIndication.options.flatMap((indicator) => [
    { statusIndicator: indicator, status: 'x' },
    { powerStatusIndicator: indicator, powerStatus: 'y' },
  ]),
  ...AgentPhase.options.map((phase) => ({ phase })),
  ...POWER_STATES.flatMap((state) => [
    { currentPowerState: state, powerStateReadAt: now.toISOString() },
    { desiredPowerState: state, powerStatusIndicator: 'IN_PROGRESS' as const },
  ]),
]

test('every status view of a storable host parses against HostStatus unchanged', (t) => {
  for (const patch of patches) {
    const view = hostStatusOf(stored(patch), now)
    const parsed = HostStatus.safeParse(view)
    t.true(parsed.success, `${JSON.stringify(patch).slice(0, 120)}: ${parsed.error?.message ?? ''}`)
    t.deepEqual(parsed.data, view)
  }
})

test('the check can fail: a view with a text longer than the contract allows is refused', (t) => {
  const view = hostStatusOf({ ...base, name: 'n'.repeat(129) }, now)
  t.false(HostStatus.safeParse(view).success)
})

test("the payload built from the fields' JSON is the view, whatever the host", (t) => {
  const later = new Date('2030-02-03T04:05:06.789Z')
  for (const patch of patches) {
    const host = stored(patch)
    const payload: unknown = JSON.parse(statusPayloadOf(host, later, statusFieldsJson(host)))
    t.deepEqual(payload, hostStatusOf(host, later), JSON.stringify(patch).slice(0, 120))
    t.true(HostStatus.safeParse(payload).success)
  }
})

test("the fields' JSON leaves out what moves without a visible change, and nothing else", (t) => {
  const host = stored({ lastSeen: '2030-01-02T03:04:05.678Z', powerStateReadAt: '2030-01-02T03:04:05.678Z' })
  const fields = JSON.parse(statusFieldsJson(host)) as Record<string, unknown>
  const view = hostStatusOf(host, now) as unknown as Record<string, unknown>
  t.deepEqual(
    Object.keys(view)
      .filter((key) => !(key in fields))
      .sort(),
    ['lastSeen', 'powerStateReadAt', 'ts', 'v'],
  )
  const moved = applyHostPatch(host, { lastSeen: '2031-01-01T00:00:00.000Z', powerStateReadAt: null }, now)
  t.is(statusFieldsJson(moved), statusFieldsJson(host))
  t.not(statusFieldsJson(applyHostPatch(host, { status: 'other' }, now)), statusFieldsJson(host))
})

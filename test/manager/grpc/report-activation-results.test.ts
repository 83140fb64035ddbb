import { status as Status } from '@grpc/grpc-js'
import test, { type ExecutionContext } from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { HOST, startBridge, TENANT_A } from './harness.ts'

/** reference/southbound-grpc.md, ReportActivationResults table: one test per row (status code AND stored effect). */
const KEY = { tenantId: TENANT_A, hostId: HOST }
const CLOCK = new Date('2031-05-06T07:08:09.000Z')
const CLOCK_SECONDS = Math.floor(CLOCK.getTime() / 1000)
const ACTIVATION_ASKED: HostPatch[] = [
  { sku: 'AMT', currentState: 'UNPROVISIONED' },
  { desiredState: 'PROVISIONED', activationRequestedAt: '2030-01-01T00:00:00.000Z' },
]

async function setup(t: ExecutionContext, patches: HostPatch[] = ACTIVATION_ASKED) {
  const harness = await startBridge(t)
  const seeded = await seedHost(harness.inventory, HOST, patches, TENANT_A)
  harness.setClock(CLOCK)
  const report = async (activation_status: string | number, message = '') =>
    harness.client.call('ReportActivationResults', { host_id: HOST, activation_status, message }, await harness.auth())
  const unchanged = async () => t.is((await harness.inventory.getHost(KEY)).version, seeded.version, 'nothing stored')
  return { ...harness, seeded, report, unchanged }
}

test('ACTIVATING (not yet in progress) → "AMT Activation In Progress" IN_PROGRESS, timestamped; message in the audit trail', async (t) => {
  const { report, inventory, outbound } = await setup(t)
  const result = await report('ACTIVATING', 'rpc activate started')
  t.is(result.code, Status.OK)
  t.deepEqual(result.response, {})
  t.like(await inventory.getHost(KEY), {
    status: 'AMT Activation In Progress',
    statusIndicator: 'IN_PROGRESS',
    statusTimestamp: CLOCK_SECONDS,
    phase: 'ACTIVATING',
    currentState: 'UNPROVISIONED',
    agentKind: 'grpc',
    lastSeen: CLOCK.toISOString(),
  })
  const [event] = await inventory.listAudit(TENANT_A, { hostId: HOST })
  t.like(event, { kind: 'state', actor: 'agent:grpc', detail: { phase: 'ACTIVATING', reason: 'rpc activate started' } })
  t.like(outbound.last(KEY, 'status'), { status: 'AMT Activation In Progress', agentKind: 'grpc' })
})

test('ACTIVATING while the status is already "in progress" → FAILED_PRECONDITION, nothing stored', async (t) => {
  const { report, unchanged } = await setup(t, [
    ...ACTIVATION_ASKED,
    { status: 'AMT Activation In Progress', statusIndicator: 'IN_PROGRESS' },
  ])
  const result = await report('ACTIVATING')
  t.is(result.code, Status.FAILED_PRECONDITION)
  t.regex(result.details, /already in progress/)
  await unchanged()
})

test('ACTIVATED → current PROVISIONED, "AMT Activation Done" IDLE, timestamped, activation deadline cleared', async (t) => {
  const { report, inventory, outbound } = await setup(t, [
    ...ACTIVATION_ASKED,
    { status: 'AMT Activation In Progress', statusIndicator: 'IN_PROGRESS' },
  ])
  const result = await report('ACTIVATED', 'CCM, connected')
  t.is(result.code, Status.OK)
  t.like(await inventory.getHost(KEY), {
    currentState: 'PROVISIONED',
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    statusTimestamp: CLOCK_SECONDS,
    phase: 'PROVISIONED',
    activationRequestedAt: null,
  })
  t.like(outbound.last(KEY, 'status'), { currentState: 'PROVISIONED', status: 'AMT Activation Done' })
})

test('ACTIVATED when already done and current PROVISIONED (desired still differs) → FAILED_PRECONDITION, nothing stored', async (t) => {
  const { report, unchanged } = await setup(t, [
    { currentState: 'PROVISIONED', status: 'AMT Activation Done', statusIndicator: 'IDLE' },
    { desiredState: 'UNPROVISIONED' },
  ])
  const result = await report('ACTIVATED')
  t.is(result.code, Status.FAILED_PRECONDITION)
  t.regex(result.details, /already done/)
  await unchanged()
})

test('ACTIVATION_FAILED → "AMT Activation Failed: ActivationFailed: <message>" ERROR, timestamped', async (t) => {
  const { report, inventory } = await setup(t)
  const result = await report('ACTIVATION_FAILED', 'rpc exit 105: unable to connect to RPS')
  t.is(result.code, Status.OK)
  t.like(await inventory.getHost(KEY), {
    status: 'AMT Activation Failed: ActivationFailed: rpc exit 105: unable to connect to RPS',
    statusIndicator: 'ERROR',
    statusTimestamp: CLOCK_SECONDS,
    phase: 'FAILED',
    currentState: 'UNPROVISIONED',
    activationRequestedAt: null,
  })
})

test('ACTIVATION_FAILED without a message → "AMT Activation Failed: ActivationFailed" ERROR', async (t) => {
  const { report, inventory } = await setup(t)
  t.is((await report('ACTIVATION_FAILED')).code, Status.OK)
  t.like(await inventory.getHost(KEY), { status: 'AMT Activation Failed: ActivationFailed', statusIndicator: 'ERROR' })
})

test('ACTIVATION_FAILED when already failed and current UNPROVISIONED → FAILED_PRECONDITION, nothing stored', async (t) => {
  const { report, unchanged } = await setup(t, [
    ...ACTIVATION_ASKED,
    { status: 'AMT Activation Failed: ActivationFailed: x', statusIndicator: 'ERROR' },
  ])
  const result = await report('ACTIVATION_FAILED', 'again')
  t.is(result.code, Status.FAILED_PRECONDITION)
  t.regex(result.details, /already failed/)
  await unchanged()
})

for (const activationStatus of ['UNSPECIFIED', 4, 9, 123456] as const) {
  test(`activation_status ${activationStatus} → INVALID_ARGUMENT, nothing stored`, async (t) => {
    const { report, unchanged } = await setup(t)
    t.is((await report(activationStatus)).code, Status.INVALID_ARGUMENT)
    await unchanged()
  })
}

const SETTLED: Array<[string, HostPatch[]]> = [
  ['nothing asked (UNSPECIFIED = UNSPECIFIED)', []],
  ['activated (PROVISIONED = PROVISIONED)', [{ currentState: 'PROVISIONED' }, { desiredState: 'PROVISIONED' }]],
  [
    'deactivated (UNPROVISIONED = UNPROVISIONED)',
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'UNPROVISIONED' }],
  ],
]
for (const [name, patches] of SETTLED) {
  for (const activationStatus of ['ACTIVATING', 'ACTIVATED', 'ACTIVATION_FAILED']) {
    test(`${activationStatus} while desired = current, ${name} → FAILED_PRECONDITION, nothing stored`, async (t) => {
      const { report, unchanged } = await setup(t, patches)
      const result = await report(activationStatus)
      t.is(result.code, Status.FAILED_PRECONDITION)
      t.regex(result.details, /nothing to report/)
      await unchanged()
    })
  }
}

test('message limits: 1024 UTF-8 bytes accepted, 1025 bytes (or 513 two-byte characters) → INVALID_ARGUMENT', async (t) => {
  const { report, inventory, unchanged } = await setup(t)
  t.is((await report('ACTIVATION_FAILED', 'é'.repeat(513))).code, Status.INVALID_ARGUMENT)
  const tooLong = await report('ACTIVATION_FAILED', 'x'.repeat(1025))
  t.is(tooLong.code, Status.INVALID_ARGUMENT)
  t.regex(tooLong.details, /message must be at most 1024 bytes/)
  await unchanged()
  t.is((await report('ACTIVATION_FAILED', 'x'.repeat(1024))).code, Status.OK)
  t.true((await inventory.getHost(KEY)).status.startsWith('AMT Activation Failed: ActivationFailed: xxx'))
})

test('common rules: empty or oversized host_id → INVALID_ARGUMENT, unknown host → NOT_FOUND', async (t) => {
  const { client, auth } = await setup(t)
  const metadata = await auth()
  const call = (host_id: string) =>
    client.call('ReportActivationResults', { host_id, activation_status: 'ACTIVATING', message: '' }, metadata)
  t.is((await call('')).code, Status.INVALID_ARGUMENT)
  const long = await call('h'.repeat(65))
  t.is(long.code, Status.INVALID_ARGUMENT)
  t.regex(long.details, /at most 64/)
  t.is((await call('bad/host#id')).code, Status.INVALID_ARGUMENT)
  t.is((await call('h'.repeat(64))).code, Status.NOT_FOUND)
})

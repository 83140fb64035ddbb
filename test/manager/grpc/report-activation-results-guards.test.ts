import { status as Status } from '@grpc/grpc-js'
import test, { type ExecutionContext } from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { HOST, startBridge, TENANT_A } from './harness.ts'

/**
 * reference/southbound-grpc.md, ReportActivationResults guards, the rows report-activation-results.test.ts does
 * not cover: a report repeated on the wire in every direction, every failure text as "already failed", and each
 * half of the two-part guards alone (which must NOT refuse).
 */
const KEY = { tenantId: TENANT_A, hostId: HOST }
const CLOCK = new Date('2031-05-06T07:08:09.000Z')

async function setup(t: ExecutionContext, patches: HostPatch[]) {
  const harness = await startBridge(t)
  await seedHost(harness.inventory, HOST, patches, TENANT_A)
  harness.setClock(CLOCK)
  const metadata = await harness.auth()
  const report = (activation_status: string, message = '') =>
    harness.client.call('ReportActivationResults', { host_id: HOST, activation_status, message }, metadata)
  const stored = () => harness.inventory.getHost(KEY)
  return { ...harness, report, stored }
}

/** desired != current, current UNPROVISIONED: the failure is stored, then the same report is "already failed". */
const ACTIVATION_ASKED: HostPatch[] = [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }]
const FAILING: Array<[string, HostPatch[], RegExp]> = [
  ['activation (desired PROVISIONED)', ACTIVATION_ASKED, /^AMT Activation Failed: /],
  ['no desired state (desired UNSPECIFIED)', [{ currentState: 'UNPROVISIONED' }], /^AMT error: /],
]
for (const [name, patches, text] of FAILING) {
  test(`ACTIVATION_FAILED twice, ${name}, current UNPROVISIONED → OK, then FAILED_PRECONDITION`, async (t) => {
    const { report, stored } = await setup(t, patches)
    t.is((await report('ACTIVATION_FAILED', 'rpc exit 105')).code, Status.OK)
    const failed = await stored()
    t.regex(failed.status, text)
    t.like(failed, { statusIndicator: 'ERROR', currentState: 'UNPROVISIONED' })
    const again = await report('ACTIVATION_FAILED', 'rpc exit 105')
    t.is(again.code, Status.FAILED_PRECONDITION, again.details)
    t.regex(again.details, /already failed/)
    t.is((await stored()).version, failed.version, 'nothing stored')
  })
}

const FAILURE_TEXTS = [
  'AMT Activation Failed',
  'AMT Activation Failed: no result from the agent within 15 min',
  'AMT deactivation failed: ActivationFailed: x',
  'AMT error: ActivationFailed: x',
]
for (const status of FAILURE_TEXTS) {
  test(`ACTIVATION_FAILED with status "${status}", current UNPROVISIONED → FAILED_PRECONDITION`, async (t) => {
    const { report, stored } = await setup(t, [
      { currentState: 'UNPROVISIONED', status, statusIndicator: 'ERROR' },
      { desiredState: 'PROVISIONED' },
    ])
    const before = await stored()
    const result = await report('ACTIVATION_FAILED', 'again')
    t.is(result.code, Status.FAILED_PRECONDITION, result.details)
    t.is((await stored()).version, before.version, 'nothing stored')
  })
}

test('ACTIVATION_FAILED already failed but current UNSPECIFIED (not UNPROVISIONED) → OK, stored again', async (t) => {
  const { report, stored } = await setup(t, [{ desiredState: 'PROVISIONED' }])
  t.is((await report('ACTIVATION_FAILED', 'first')).code, Status.OK)
  t.is((await report('ACTIVATION_FAILED', 'second')).code, Status.OK)
  t.like(await stored(), { currentState: 'UNSPECIFIED', status: 'AMT Activation Failed: ActivationFailed: second' })
})

test('ACTIVATED with status "AMT Activation Done" but current UNPROVISIONED → OK, current PROVISIONED', async (t) => {
  const { report, stored } = await setup(t, [
    { currentState: 'UNPROVISIONED', status: 'AMT Activation Done', statusIndicator: 'IDLE' },
    { desiredState: 'PROVISIONED' },
  ])
  t.is((await report('ACTIVATED')).code, Status.OK)
  t.like(await stored(), { currentState: 'PROVISIONED', status: 'AMT Activation Done' })
})

test('ACTIVATED while current PROVISIONED but the status is not "Done" (desired differs) → OK', async (t) => {
  const { report, stored } = await setup(t, [
    { currentState: 'PROVISIONED', status: 'AMT Deactivation In Progress', statusIndicator: 'IN_PROGRESS' },
    { desiredState: 'UNPROVISIONED' },
  ])
  t.is((await report('ACTIVATED')).code, Status.OK)
  t.like(await stored(), { currentState: 'PROVISIONED', status: 'AMT Activation Done', statusIndicator: 'IDLE' })
})

test('ACTIVATING and ACTIVATED each reported twice → OK, then FAILED_PRECONDITION', async (t) => {
  const { report, stored } = await setup(t, ACTIVATION_ASKED)
  t.is((await report('ACTIVATING')).code, Status.OK)
  t.is((await report('ACTIVATING')).code, Status.FAILED_PRECONDITION)
  t.is((await report('ACTIVATED')).code, Status.OK)
  const done = await stored()
  const again = await report('ACTIVATED')
  t.is(again.code, Status.FAILED_PRECONDITION, 'desired = current now')
  t.is((await stored()).version, done.version)
})

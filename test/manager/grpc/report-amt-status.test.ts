import { status as Status } from '@grpc/grpc-js'
import test from 'ava'
import { DISABLED_REASON } from '../../../manager/grpc/handlers/report-amt-status.ts'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { HOST, startBridge, TENANT_A } from './harness.ts'

/** reference/southbound-grpc.md, ReportAMTStatus decision table: one test per row (status code AND stored effect). */
const KEY = { tenantId: TENANT_A, hostId: HOST }
const CLOCK = new Date('2031-05-06T07:08:09.000Z')
const CLOCK_SECONDS = Math.floor(CLOCK.getTime() / 1000)

async function setup(t: Parameters<typeof startBridge>[0], patches: HostPatch[] = []) {
  const harness = await startBridge(t)
  const seeded = await seedHost(harness.inventory, HOST, patches, TENANT_A)
  harness.setClock(CLOCK)
  const report = async (request: object) =>
    harness.client.call('ReportAMTStatus', { host_id: HOST, ...request }, await harness.auth())
  return { ...harness, seeded, report }
}

for (const feature of ['AMT', 'ISM'] as const) {
  test(`ENABLED + sku UNSPECIFIED + feature "${feature}" → sku ${feature}, OK (agentKind grpc, timestamped, status published)`, async (t) => {
    const { report, inventory, outbound } = await setup(t)
    const result = await report({ status: 'ENABLED', feature })
    t.is(result.code, Status.OK)
    t.deepEqual(result.response, {})
    const host = await inventory.getHost(KEY)
    t.like(host, {
      sku: feature,
      agentKind: 'grpc',
      lastSeen: CLOCK.toISOString(),
      updatedAt: CLOCK.toISOString(),
      status: 'Unknown',
    })
    t.like(outbound.last(KEY, 'status'), { sku: feature, agentKind: 'grpc' })
  })
}

for (const feature of ['', 'vPro', 'amt']) {
  test(`ENABLED + sku UNSPECIFIED + feature ${JSON.stringify(feature)} → INVALID_ARGUMENT, nothing stored`, async (t) => {
    const { report, inventory, seeded } = await setup(t)
    const result = await report({ status: 'ENABLED', feature })
    t.is(result.code, Status.INVALID_ARGUMENT)
    t.regex(result.details, /feature must be "AMT" or "ISM"/)
    t.is((await inventory.getHost(KEY)).version, seeded.version)
  })
}

for (const sku of ['AMT', 'ISM'] as const) {
  for (const feature of ['AMT', 'ISM', '', 'other']) {
    test(`ENABLED + sku ${sku} + feature ${JSON.stringify(feature)} → FAILED_PRECONDITION (already enabled), nothing stored`, async (t) => {
      const { report, inventory, seeded } = await setup(t, [{ sku }])
      const result = await report({ status: 'ENABLED', feature })
      t.is(result.code, Status.FAILED_PRECONDITION)
      t.regex(result.details, /already enabled/)
      t.like(await inventory.getHost(KEY), { sku, version: seeded.version })
    })
  }

  test(`DISABLED + sku ${sku} → sku UNSPECIFIED, OK (shown as not supported, status timestamped)`, async (t) => {
    const { report, inventory, outbound } = await setup(t, [{ sku }])
    const result = await report({ status: 'DISABLED', feature: '' })
    t.is(result.code, Status.OK)
    t.like(await inventory.getHost(KEY), {
      sku: 'UNSPECIFIED',
      agentKind: 'grpc',
      status: `AMT not supported: ${DISABLED_REASON}`,
      statusIndicator: 'ERROR',
      statusTimestamp: CLOCK_SECONDS,
    })
    t.like(outbound.last(KEY, 'status'), { sku: 'UNSPECIFIED', statusIndicator: 'ERROR' })
  })
}

test('DISABLED + sku UNSPECIFIED → FAILED_PRECONDITION (already disabled), nothing stored', async (t) => {
  const { report, inventory, seeded } = await setup(t)
  const result = await report({ status: 'DISABLED', feature: 'AMT' })
  t.is(result.code, Status.FAILED_PRECONDITION)
  t.regex(result.details, /already disabled/)
  t.is((await inventory.getHost(KEY)).version, seeded.version)
})

for (const status of ['UNKNOWN', 3, 7, 1000] as const) {
  test(`status ${status} → INVALID_ARGUMENT, nothing stored`, async (t) => {
    const { report, inventory, seeded } = await setup(t, [{ sku: 'AMT' }])
    const result = await report({ status, feature: 'AMT' })
    t.is(result.code, Status.INVALID_ARGUMENT)
    t.is((await inventory.getHost(KEY)).version, seeded.version)
  })
}

test('ENABLED after DISABLED: the "not supported" error clears (the domain capability handler), sku set', async (t) => {
  const { report, inventory } = await setup(t, [{ sku: 'AMT' }])
  t.is((await report({ status: 'DISABLED', feature: '' })).code, Status.OK)
  t.is((await report({ status: 'ENABLED', feature: 'AMT' })).code, Status.OK)
  t.like(await inventory.getHost(KEY), { sku: 'AMT', status: 'Unknown', statusIndicator: 'UNSPECIFIED' })
})

test('common rules: empty host_id → INVALID_ARGUMENT, unknown host → NOT_FOUND', async (t) => {
  const { client, auth } = await setup(t)
  const metadata = await auth()
  const empty = await client.call('ReportAMTStatus', { host_id: '', status: 'ENABLED', feature: 'AMT' }, metadata)
  t.is(empty.code, Status.INVALID_ARGUMENT)
  t.regex(empty.details, /host_id is required/)
  const unknown = await client.call(
    'ReportAMTStatus',
    { host_id: 'no-such-host', status: 'ENABLED', feature: 'AMT' },
    metadata,
  )
  t.is(unknown.code, Status.NOT_FOUND)
  const unknownBadFeature = await client.call(
    'ReportAMTStatus',
    { host_id: 'no-such-host', status: 'ENABLED', feature: 'x' },
    metadata,
  )
  t.is(unknownBadFeature.code, Status.NOT_FOUND)
})
